package dev.ipc4j.transport;

/**
 * Counts the idle steps of one wait under a {@link WaitStrategy}: spin, then yield, then say it is time to park.
 * Not thread-safe: one per waiting side.
 */
final class Idler {
    private final int spins;
    private final int yields;
    private final boolean parks;
    private int step;

    Idler(WaitStrategy strategy) {
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
        if (!parks || step < spins) {
            step = parks ? step + 1 : 0;
            Thread.onSpinWait();
            return false;
        }
        if (step - spins < yields) {
            step++;
            Thread.yield();
            return false;
        }
        return true;
    }
}
