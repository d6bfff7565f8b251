package dev.ipc4j.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A doorbell between threads or processes ({@code eventfd(2)}, non-blocking): {@link #signal()} makes it readable,
 * {@link #drain()} makes it quiet again. Unlike a futex it can be waited on with {@code poll(2)} together with sockets
 * and pidfds, which is what lets one runner thread sleep on many rings at once.
 *
 * <p>A doorbell received from another process is checked to really be an eventfd and made non-blocking before use
 * ({@link #adopt}): a peer that passes a pipe instead must not be able to make our {@link #signal()} block.
 */
public final class EventFd implements AutoCloseable {
    private static final int EFD_CLOEXEC = 0x80000;
    private static final int EFD_NONBLOCK = 0x800;
    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 0x800;
    private static final ThreadLocal<MemorySegment> WORD = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 8));

    private final Fd fd;

    private EventFd(Fd fd) {
        this.fd = fd;
    }

    /** A new doorbell, not signalled. */
    public static EventFd create() throws ErrnoException {
        return new EventFd(Fd.adopt(Libc.check(Libc.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd")));
    }

    /**
     * Takes over a descriptor that should be a doorbell (e.g. one a peer sent); on success it is owned by the result,
     * on failure it is left to the caller.
     *
     * @throws ErrnoException with {@code EINVAL} when it is not an eventfd
     */
    public static EventFd adopt(Fd fd) throws ErrnoException {
        int n = fd.get();
        String target;
        try {
            target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString();
        } catch (IOException e) {
            throw new ErrnoException("readlink(/proc/self/fd/" + n + ")", Errno.EBADF);
        }
        if (!target.equals("anon_inode:[eventfd]")) {
            throw new ErrnoException("descriptor " + n + " is " + target + ", not an eventfd", Errno.EINVAL);
        }
        int flags = Libc.check(Libc.fcntl(n, F_GETFL, 0), "fcntl(F_GETFL)");
        if ((flags & O_NONBLOCK) == 0) {
            Libc.check(Libc.fcntl(n, F_SETFL, flags | O_NONBLOCK), "fcntl(F_SETFL, O_NONBLOCK)");
        }
        return new EventFd(fd);
    }

    /** Rings the doorbell: waiters in poll wake. Never blocks (a counter at its maximum is already readable). */
    public void signal() throws ErrnoException {
        MemorySegment one = WORD.get();
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        if (Libc.write(fd.get(), one, 8) < 0) {
            int errno = Libc.errno();
            if (errno != Errno.EAGAIN) {
                throw new ErrnoException("write(eventfd)", errno);
            }
        }
    }

    /** Silences the doorbell; true when it had been rung. */
    public boolean drain() throws ErrnoException {
        long n = Libc.read(fd.get(), WORD.get(), 8);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EAGAIN) {
                return false;
            }
            throw new ErrnoException("read(eventfd)", errno);
        }
        return true;
    }

    public Fd fd() {
        return fd;
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() throws ErrnoException {
        fd.close();
    }

    @Override
    public String toString() {
        return "EventFd[" + fd + "]";
    }
}
