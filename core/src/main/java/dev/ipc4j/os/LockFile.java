package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Optional;

/**
 * An exclusive {@code flock(2)} on a file: held while this object is open, dropped by the kernel when the process
 * dies. Unlike the POSIX record locks behind {@code FileChannel.lock}, an flock belongs to its open file description,
 * so another descriptor on the same file in this process closing does not drop it, and a second attempt from this
 * same process fails like one from any other.
 */
public final class LockFile implements AutoCloseable {
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int LOCK_EX = 2;
    private static final int LOCK_NB = 4;

    private final Fd fd;
    private final Path path;

    private LockFile(Fd fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    /**
     * Opens (creating with {@code mode} if missing; the bits are then set exactly) and locks {@code path}; empty when
     * another open file description holds the lock.
     */
    public static Optional<LockFile> tryAcquire(Path path, int mode) throws ErrnoException {
        Fd fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Fd.adopt(Libc.check(Libc.open(arena.allocateFrom(path.toString()), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                    mode), "open(" + path + ")"));
        }
        try {
            if (Libc.flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
                int errno = Libc.errno();
                if (errno == Errno.EAGAIN) {
                    fd.close();
                    return Optional.empty();
                }
                throw new ErrnoException("flock(" + path + ")", errno);
            }
            if (fd.stat().uid() == PeerCredentials.self().uid()) {
                Libc.check(Libc.fchmod(fd.get(), mode), "fchmod(" + path + ")");
            }
            return Optional.of(new LockFile(fd, path));
        } catch (ErrnoException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Drops the lock (the file stays: removing it could let two holders in). Idempotent. */
    @Override
    public void close() throws ErrnoException {
        if (fd.isOpen()) {
            fd.close();
        }
    }
}
