package dev.ipc4j.bench.harness;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated by the current thread, to check (not assume) that the measured loops allocate nothing per
 * message. HotSpot counts this per thread (TLAB accounting), cheaply enough to read before and after a loop.
 */
public final class Allocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocations() {}

    /** Bytes the current thread has allocated so far, or -1 where the JVM does not count them. */
    public static long current() {
        return THREADS.isThreadAllocatedMemorySupported() ? THREADS.getCurrentThreadAllocatedBytes() : -1;
    }

    /** Bytes per message between two readings; NaN when not counted. */
    public static double perMessage(long before, long after, long messages) {
        return before < 0 || after < 0 || messages == 0 ? Double.NaN : (double) (after - before) / messages;
    }
}
