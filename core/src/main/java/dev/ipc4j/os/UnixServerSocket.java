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
        boolean bound = false;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = address.encode(arena);
            Libc.check(Libc.bind(fd.get(), sockaddr, (int) sockaddr.byteSize()), "bind(" + address + ")");
            bound = true;
            Optional<Path> path = address.path();
            if (path.isPresent()) {
                chmod(path.get(), mode);
            }
            Libc.check(Libc.listen(fd.get(), backlog), "listen(" + address + ")");
            return new UnixServerSocket(fd, address);
        } catch (ErrnoException | RuntimeException e) {
            MemFd.closeQuietly(fd, e);
            if (bound) {
                unlinkQuietly(address, e);
            }
            throw e;
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
