package dev.ipc4j.bench.harness;

import java.util.concurrent.TimeoutException;

/** Deadline checks for wait loops; deadlines are {@link System#nanoTime()} values. */
public final class Deadlines {
    /** A spinning loop reads the clock once per this many empty polls: often enough, yet off the fast path. */
    public static final int CHECK_EVERY = 1 << 10;

    private Deadlines() {}

    public static long after(java.time.Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    /** Throws when {@code deadlineNanos} has passed. */
    public static void check(long deadlineNanos, String waitingFor) throws TimeoutException {
        if (System.nanoTime() - deadlineNanos > 0) {
            throw new TimeoutException("deadline passed while waiting for " + waitingFor);
        }
    }

    /** Milliseconds left, at least 1 (for APIs that take a relative timeout). */
    public static long millisLeft(long deadlineNanos) {
        return Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }
}
