package dev.ipc4j.shm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * How many times this process holds each block (its own block plus leases), in private memory.
 *
 * <p>Invariant: this process's HOLDERS bit of a block is set exactly when the block's count here is positive. Counts
 * above zero change by one CAS; the two transitions that must also change the bit (0 to 1, 1 to 0) first CAS the count
 * to {@link #BUSY}, so exactly one thread does them, and the thread that did then {@link #publish}es the new count;
 * other threads wait the few nanoseconds that takes. No monitor, no allocation.
 */
final class LocalHolds {
    static final int BUSY = -1;
    /** Returned by {@link #acquire}/{@link #release} when the caller now owns a 0/1 transition. */
    static final int TRANSITION = 0;
    /** Returned by {@link #release} when this process does not hold the block. */
    static final int NOT_HELD = -1;

    private static final VarHandle COUNTS = MethodHandles.arrayElementVarHandle(int[].class);
    private final int[] counts;

    LocalHolds(int maxEntries) {
        counts = new int[maxEntries];
    }

    /**
     * One more hold. Returns the new count when the block was already held here, or {@link #TRANSITION} when it was
     * not: the caller must then set the bit and {@link #publish} 1 (or 0 if it failed).
     */
    int acquire(int entry) {
        while (true) {
            int c = (int) COUNTS.getAcquire(counts, entry);
            if (c > 0) {
                if (COUNTS.compareAndSet(counts, entry, c, c + 1)) {
                    return c + 1;
                }
            } else if (c == 0) {
                if (COUNTS.compareAndSet(counts, entry, 0, BUSY)) {
                    return TRANSITION;
                }
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /**
     * One hold less. Returns the new count when holds remain, {@link #TRANSITION} when this was the last one (the caller
     * must clear the bit and then {@link #publish} 0), or {@link #NOT_HELD}.
     */
    int release(int entry) {
        while (true) {
            int c = (int) COUNTS.getAcquire(counts, entry);
            if (c > 1) {
                if (COUNTS.compareAndSet(counts, entry, c, c - 1)) {
                    return c - 1;
                }
            } else if (c == 1) {
                if (COUNTS.compareAndSet(counts, entry, 1, BUSY)) {
                    return TRANSITION;
                }
            } else if (c == 0) {
                return NOT_HELD;
            } else {
                Thread.onSpinWait();
            }
        }
    }

    /** Drops every hold at once (closing the arena): {@link #TRANSITION} if there were any, else {@link #NOT_HELD}. */
    int releaseAll(int entry) {
        while (true) {
            int c = (int) COUNTS.getAcquire(counts, entry);
            if (c == 0) {
                return NOT_HELD;
            }
            if (c > 0 && COUNTS.compareAndSet(counts, entry, c, BUSY)) {
                return TRANSITION;
            }
            Thread.onSpinWait();
        }
    }

    /** Ends a transition this thread owns. */
    void publish(int entry, int count) {
        COUNTS.setRelease(counts, entry, count);
    }

    /** The count now (for checks; may be {@link #BUSY}). */
    int get(int entry) {
        return (int) COUNTS.getAcquire(counts, entry);
    }
}
