package dev.ipc4j.transport;

/**
 * Counts the idle steps of one wait under a {@link WaitStrategy}: spin, then yield, then say it is time to park.
 * Optionally the spin phase also ends after a time (for a waiter whose step is a whole duty cycle over many agents, so
 * that the strategy's count does not turn into a long burn of a CPU the peers need). Not thread-safe: one per waiting
 * side.
 */
final class Idler {
    private final int spins;
    private final int yields;
    private final boolean parks;
    private final long maxSpinNanos;
    private int step;
    private long spinStart;

    Idler(WaitStrategy strategy) {
        this(strategy, Long.MAX_VALUE);
    }

    /** {@code maxSpinNanos} bounds the spin phase of a backoff (a busy spin spins on, as asked). */
    Idler(WaitStrategy strategy, long maxSpinNanos) {
        this.maxSpinNanos = maxSpinNanos;
        switch (strategy) {
            case WaitStrategy.BusySpin b -> {
                spins = Integer.MAX_VALUE;
                yields = 0;
                parks = false;
            }
            case WaitStrategy.Backoff b -> {
                spins = b.spins();
                yields = b.yields();
                parks = true;
            }
        }
    }

    void reset() {
        step = 0;
    }

    /** One idle step; true when the caller should park now. */
    boolean idle() {
        if (!parks) {
            Thread.onSpinWait();
            return false;
        }
        if (step < spins) {
            if (maxSpinNanos != Long.MAX_VALUE) {
                long now = System.nanoTime();
                if (step == 0) {
                    spinStart = now;
                } else if (now - spinStart >= maxSpinNanos) {
                    step = spins; // spun long enough: on to the yields
                }
            }
            if (step < spins) {
                step++;
                Thread.onSpinWait();
                return false;
            }
        }
        if (step - spins < yields) {
            step++;
            Thread.yield();
            return false;
        }
        return true;
    }
}
