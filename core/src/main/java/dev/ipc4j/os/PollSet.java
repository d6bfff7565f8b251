package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A reusable set of descriptors to wait on together for readability ({@code poll(2)}): filled anew before each wait,
 * so a wait allocates nothing once the set has grown to its working size. Not thread-safe: one per waiting thread.
 *
 * <pre>
 * struct pollfd (8 bytes): offset 0 fd i32 | offset 4 events i16 | offset 6 revents i16
 * </pre>
 */
public final class PollSet implements DescriptorSet {
    private static final long SIZE = 8;
    private static final long FD = 0;
    private static final long EVENTS = 4;
    private static final long REVENTS = 6;

    private MemorySegment fds = Arena.ofAuto().allocate(16 * SIZE, 8);
    private int count;

    @Override
    public void clear() {
        count = 0;
    }

    @Override
    public int add(Fd fd) throws ErrnoException {
        return add(fd.get());
    }

    private int add(int fd) {
        if ((count + 1) * SIZE > fds.byteSize()) {
            MemorySegment bigger = Arena.ofAuto().allocate(fds.byteSize() * 2, 8);
            MemorySegment.copy(fds, 0, bigger, 0, count * SIZE);
            fds = bigger;
        }
        long at = count * SIZE;
        fds.set(ValueLayout.JAVA_INT, at + FD, fd);
        fds.set(ValueLayout.JAVA_SHORT, at + EVENTS, Poll.POLLIN);
        fds.set(ValueLayout.JAVA_SHORT, at + REVENTS, (short) 0);
        return count++;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int await(int timeoutMillis) throws ErrnoException {
        for (int i = 0; i < count; i++) {
            fds.set(ValueLayout.JAVA_SHORT, i * SIZE + REVENTS, (short) 0);
        }
        int r = Libc.poll(fds, count, timeoutMillis);
        if (r < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new ErrnoException("poll(" + count + " descriptors)", errno);
        }
        return r;
    }

    @Override
    public boolean ready(int index) {
        return fds.get(ValueLayout.JAVA_SHORT, index * SIZE + REVENTS) != 0;
    }

    /** Nothing is kept between waits. */
    @Override
    public void close() {}
}
