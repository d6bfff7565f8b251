package dev.ipc4j.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;

/**
 * A listening Unix domain stream socket. A socket file gets exactly the mode asked for before anyone can connect:
 * it is bound, chmod-ed, and only then listens (a connect before listen is refused by the kernel).
 */
public final class UnixServerSocket implements AutoCloseable {
    private static final int SOCK_NONBLOCK_OFF = 0;

    private final Fd fd;
    private final UnixAddress address;

    private UnixServerSocket(Fd fd, UnixAddress address) {
        this.fd = fd;
        this.address = address;
    }

    /**
     * Binds and listens. A path must not exist yet (EADDRINUSE otherwise: removing a stale socket is the caller's
     * decision, since only it knows whether the owner is dead).
     *
     * @param mode permission bits of the socket file (e.g. 0600); ignored for abstract names
     */
    public static UnixServerSocket listen(UnixAddress address, int mode, int backlog) throws ErrnoException {
        Fd fd = Fd.adopt(Libc.check(Libc.socket(UnixAddress.AF_UNIX, UnixSocket.SOCK_STREAM | UnixSocket.SOCK_CLOEXEC,
                SOCK_NONBLOCK_OFF), "socket(AF_UNIX)"));
        // A path socket is bound under a temporary name in the same directory, given its mode, made to listen, and
        // only then renamed to its path (atomically, never over an existing file): a client that sees the path can
        // connect at once, and the socket never exists with the umask's mode. Bound at its path directly, it was
        // refused (ECONNREFUSED) between bind and listen, and open to the umask between bind and chmod.
        UnixAddress bindAt = address.path().flatMap(UnixServerSocket::temporaryBeside).orElse(address);
        boolean bound = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = bindAt.encode(arena);
            Libc.check(Libc.bind(fd.get(), sockaddr, (int) sockaddr.byteSize()), "bind(" + bindAt + ")");
            bound = true;
            Optional<Path> path = bindAt.path();
            if (path.isPresent()) {
                chmod(path.get(), mode);
            }
            Libc.check(Libc.listen(fd.get(), backlog), "listen(" + address + ")");
            if (bindAt != address) {
                MemorySegment from = arena.allocateFrom(bindAt.toString());
                MemorySegment to = arena.allocateFrom(address.toString());
                if (Libc.renameat2(from, to, Libc.RENAME_NOREPLACE) < 0) {
                    int errno = Libc.errno();
                    // As bind(2) at the path would say when something is there already.
                    throw new ErrnoException("bind(" + address + ")", errno == Errno.EEXIST ? Errno.EADDRINUSE : errno);
                }
            }
            return new UnixServerSocket(fd, address);
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(fd, e);
            if (bound) {
                unlinkQuietly(bindAt, e);
            }
            throw e;
        }
    }

    /** A fresh name in {@code path}'s directory, when one fits a socket address; else empty (bind in place). */
    private static Optional<UnixAddress> temporaryBeside(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null) {
            return Optional.empty();
        }
        String name = ".ipc4j-bind-" + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
        try {
            return Optional.of(UnixAddress.of(dir.resolve(name)));
        } catch (IllegalArgumentException tooLong) {
            return Optional.empty();
        }
    }

    /** Waits for the next connection; fails once this socket is closed. */
    public UnixSocket accept() throws ErrnoException {
        while (true) {
            int client = Libc.accept4(fd.get(), UnixSocket.SOCK_CLOEXEC);
            if (client >= 0) {
                return new UnixSocket(Fd.adopt(client), "UnixSocket[accepted on " + address + "]");
            }
            int errno = Libc.errno();
            if (errno != Errno.EINTR && errno != Errno.EAGAIN) {
                throw new ErrnoException("accept(" + address + ")", errno);
            }
        }
    }

    /** Waits up to {@code timeout} for the next connection; empty when none came. */
    public Optional<UnixSocket> accept(Duration timeout) throws ErrnoException {
        return Poll.readable(fd, Poll.millis(timeout)) ? Optional.of(accept()) : Optional.empty();
    }

    public UnixAddress address() {
        return address;
    }

    /** Stops listening, wakes a thread blocked in {@link #accept()}, and removes the socket file; idempotent. */
    @Override
    public synchronized void close() throws ErrnoException {
        if (fd.isOpen()) {
            Libc.shutdown(fd.get(), UnixSocket.SHUT_RDWR); // wakes accept(2) with EINVAL
            fd.close();
            ErrnoException failure = new ErrnoException("unlink(" + address + ")", Errno.EPERM);
            unlinkQuietly(address, failure);
            if (failure.getSuppressed().length > 0) {
                throw failure;
            }
        }
    }

    private static void chmod(Path path, int mode) throws ErrnoException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissionString(mode)));
        } catch (IOException e) {
            throw (ErrnoException) new ErrnoException("chmod(" + path + ")", Errno.EPERM).initCause(e);
        }
    }

    static String permissionString(int mode) {
        String all = "rwxrwxrwx";
        StringBuilder out = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            out.append((mode & (0400 >> i)) != 0 ? all.charAt(i) : '-');
        }
        return out.toString();
    }

    private static void unlinkQuietly(UnixAddress address, Exception cause) {
        address.path().ifPresent(p -> {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
        });
    }
}
