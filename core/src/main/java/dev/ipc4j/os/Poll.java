package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Waiting for a descriptor to become readable ({@code poll(2)}).
 *
 * <pre>
 * struct pollfd (8 bytes): offset 0 fd i32 | offset 4 events i16 | offset 6 revents i16
 * </pre>
 */
public final class Poll {
    static final short POLLIN = 0x001;
    static final short POLLOUT = 0x004;
    static final short POLLERR = 0x008;
    static final short POLLHUP = 0x010;
    static final short POLLNVAL = 0x020;
    private static final long FD = 0;
    private static final long EVENTS = 4;
    private static final long REVENTS = 6;
    private static final ThreadLocal<MemorySegment> POLLFD = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(8, 4));

    private static final Duration MAX_TIMEOUT = Duration.ofMillis(Integer.MAX_VALUE);

    private Poll() {}

    /**
     * Waits up to {@code timeoutMillis} (negative: no limit) until {@code fd} is readable or hung up; true if so.
     * Interrupted waits are resumed with the time that is left.
     */
    public static boolean readable(Fd fd, int timeoutMillis) throws ErrnoException {
        return ready(fd, POLLIN, timeoutMillis);
    }

    /** Waits up to {@code timeoutMillis} until {@code fd} can take more data (or is hung up); true if so. */
    public static boolean writable(Fd fd, int timeoutMillis) throws ErrnoException {
        return ready(fd, POLLOUT, timeoutMillis);
    }

    /** {@link #readable(Fd, int)} with a {@link Duration}. */
    public static boolean readable(Fd fd, Duration timeout) throws ErrnoException {
        return ready(fd, POLLIN, millis(timeout));
    }

    private static boolean ready(Fd fd, short events, int timeoutMillis) throws ErrnoException {
        MemorySegment pfd = POLLFD.get();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        int remaining = timeoutMillis;
        while (true) {
            pfd.set(ValueLayout.JAVA_INT, FD, fd.get());
            pfd.set(ValueLayout.JAVA_SHORT, EVENTS, events);
            pfd.set(ValueLayout.JAVA_SHORT, REVENTS, (short) 0);
            int r = Libc.poll(pfd, 1, remaining);
            if (r > 0) {
                if ((pfd.get(ValueLayout.JAVA_SHORT, REVENTS) & POLLNVAL) != 0) {
                    throw new ErrnoException("poll(fd " + fd + ")", Errno.EBADF);
                }
                return true;
            }
            if (r == 0) {
                return false;
            }
            int errno = Libc.errno();
            if (errno != Errno.EINTR) {
                throw new ErrnoException("poll(fd " + fd + ")", errno);
            }
            if (timeoutMillis >= 0) {
                remaining = (int) Math.max(0, (deadline - System.nanoTime()) / 1_000_000L);
            }
        }
    }

    /** A timeout in milliseconds for poll, rounded up so a short positive timeout never becomes "don't wait". */
    public static int millis(Duration timeout) {
        if (timeout.isNegative()) {
            return -1;
        }
        if (timeout.compareTo(MAX_TIMEOUT) >= 0) {
            return Integer.MAX_VALUE;
        }
        return (int) ((timeout.toNanos() + 999_999L) / 1_000_000L);
    }
}
