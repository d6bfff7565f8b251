package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Waiting for, and waking, a change of a 32-bit word in a shared mapping ({@code futex(2)}), across processes.
 *
 * <p>Shared futexes are keyed by the page behind the address, so they work between processes that map the same
 * object at different addresses; that is why FUTEX_PRIVATE_FLAG is never used here. The word's address is handed to
 * the kernel as a number: if the mapping vanishes meanwhile, the kernel answers EFAULT instead of anything faulting.
 * Neither call allocates.
 */
public final class Futex {
    private static final long FUTEX_WAIT = 0;
    private static final long FUTEX_WAKE = 1;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final ThreadLocal<MemorySegment> TIMESPEC =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    /** How a wait ended. Every outcome but {@link #TIMED_OUT} means: look at the word again. */
    public enum Wait {
        /** Woken by {@link #wake}, or spuriously. */
        WOKEN,
        /** The word did not hold the expected value when the kernel looked, so there was no sleep at all. */
        VALUE_CHANGED,
        TIMED_OUT,
        /** A signal interrupted the sleep. */
        INTERRUPTED
    }

    private Futex() {}

    /**
     * Sleeps while the word at {@code offset} equals {@code expected}, at most {@code timeoutNanos} (negative: no
     * limit). The kernel compares and sleeps atomically, so a {@link #wake} after the word changed is never lost.
     */
    public static Wait await(MemorySegment memory, long offset, int expected, long timeoutNanos) throws ErrnoException {
        long address = addressOf(memory, offset);
        long timespec = 0;
        if (timeoutNanos >= 0) {
            MemorySegment ts = TIMESPEC.get();
            ts.set(ValueLayout.JAVA_LONG, 0, timeoutNanos / NANOS_PER_SECOND);
            ts.set(ValueLayout.JAVA_LONG, 8, timeoutNanos % NANOS_PER_SECOND);
            timespec = ts.address();
        }
        long r = Libc.syscall(Libc.SYS_FUTEX, address, FUTEX_WAIT, expected & 0xFFFF_FFFFL, timespec, 0, 0);
        if (r == 0) {
            return Wait.WOKEN;
        }
        int errno = Libc.errno();
        return switch (errno) {
            case Errno.EAGAIN -> Wait.VALUE_CHANGED;
            case Errno.ETIMEDOUT -> Wait.TIMED_OUT;
            case Errno.EINTR -> Wait.INTERRUPTED;
            default -> throw new ErrnoException("futex(FUTEX_WAIT, 0x" + Long.toHexString(address) + ")", errno);
        };
    }

    /** Wakes up to {@code count} waiters on the word at {@code offset}; returns how many were woken. */
    public static int wake(MemorySegment memory, long offset, int count) throws ErrnoException {
        long address = addressOf(memory, offset);
        long woken = Libc.syscall(Libc.SYS_FUTEX, address, FUTEX_WAKE, count, 0, 0, 0);
        if (woken < 0) { // the message is built only on failure: wake sits on the hot path
            throw new ErrnoException("futex(FUTEX_WAKE, 0x" + Long.toHexString(address) + ")", Libc.errno());
        }
        return (int) woken;
    }

    private static long addressOf(MemorySegment memory, long offset) {
        if (!memory.isNative() || !memory.scope().isAlive()) {
            throw new IllegalArgumentException("a futex word must lie in a live native mapping");
        }
        Objects.checkFromIndexSize(offset, Integer.BYTES, memory.byteSize());
        long address = memory.address() + offset;
        if ((address & (Integer.BYTES - 1)) != 0) {
            throw new IllegalArgumentException("a futex word must be 4-byte aligned: 0x" + Long.toHexString(address));
        }
        return address;
    }
}
