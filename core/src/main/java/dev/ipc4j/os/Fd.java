package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned file descriptor: closed exactly once, by whoever closes this object first.
 *
 * <p>Invariant: {@link #get()} returns the descriptor while open and throws once closed, so a stale number is never
 * used after the kernel may have handed it to someone else.
 */
public final class Fd implements AutoCloseable {
    private static final int CLOSED = -1;
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final AtomicInteger fd;
    private final boolean owned;

    private Fd(int fd, boolean owned) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        this.fd = new AtomicInteger(fd);
        this.owned = owned;
    }

    /** Takes ownership of a descriptor the caller got from the kernel. */
    public static Fd adopt(int fd) {
        return new Fd(fd, true);
    }

    /**
     * A view of a descriptor someone else owns, for a call that only reads its number (e.g. sending it): closing the
     * view forgets the number and never closes the descriptor. The owner must keep it open while the view is used.
     */
    public static Fd borrow(int fd) {
        return new Fd(fd, false);
    }

    /** The descriptor number; throws when closed. */
    public int get() throws ErrnoException {
        int value = fd.get();
        if (value == CLOSED) {
            throw new ErrnoException("use of a closed descriptor", Errno.EBADF);
        }
        return value;
    }

    public boolean isOpen() {
        return fd.get() != CLOSED;
    }

    /** Gives up ownership without closing and returns the number (e.g. after handing it to a mapping's owner). */
    public int release() throws ErrnoException {
        int value = fd.getAndSet(CLOSED);
        if (value == CLOSED) {
            throw new ErrnoException("release of a closed descriptor", Errno.EBADF);
        }
        return value;
    }

    /** The kernel's view of this descriptor (size, mode, owner). */
    public FileStat stat() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(FileStat.STRUCT_SIZE, 8);
            Libc.check(Libc.fstat(get(), buf), "fstat(fd " + fd.get() + ")");
            return FileStat.of(buf);
        }
    }

    /** A second descriptor for the same open file, owned by the caller (close-on-exec). */
    public Fd dup() throws ErrnoException {
        return Fd.adopt(Libc.check(Libc.fcntl(get(), F_DUPFD_CLOEXEC, 0), "fcntl(F_DUPFD_CLOEXEC, " + this + ")"));
    }

    @Override
    public void close() throws ErrnoException {
        int value = fd.getAndSet(CLOSED);
        if (!owned) {
            return;
        }
        // close(2) releases the number even when it reports EINTR/EIO on Linux, so it is never retried.
        if (value != CLOSED && Libc.close(value) < 0) {
            int errno = Libc.errno();
            if (errno != Errno.EINTR) {
                throw new ErrnoException("close(fd " + value + ")", errno);
            }
        }
    }

    @Override
    public String toString() {
        int value = fd.get();
        return value == CLOSED ? "Fd[closed]" : "Fd[" + value + "]";
    }

}
