package dev.ipc4j.shm;

/**
 * How many times this process holds each block (owner's block plus leases), in private memory.
 *
 * <p>Invariant: a count goes 0 -> 1 and 1 -> 0 only while its stripe's monitor is held, together with setting or
 * clearing this process's HOLDERS bit, so the bit is set exactly when the count is positive. Stripes keep threads that
 * touch different blocks from contending.
 */
final class LocalHolds {
    private static final int STRIPES = 64;

    private final int[] counts;
    private final Object[] stripes = new Object[STRIPES];

    LocalHolds(int maxEntries) {
        counts = new int[maxEntries];
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Object();
        }
    }

    Object stripe(int entry) {
        return stripes[entry & (STRIPES - 1)];
    }

    /** Read and written only under {@link #stripe(int)}. */
    int get(int entry) {
        return counts[entry];
    }

    void set(int entry, int count) {
        counts[entry] = count;
    }
}
