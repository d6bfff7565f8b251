package dev.ipc4j.session;

import java.time.Duration;
import java.util.Objects;

/**
 * How long {@link ClientSession#connect} keeps trying while no server runs (e.g. both are started together). Only
 * "no server" is retried; a refused log-in fails at once.
 *
 * @param interval the pause between attempts
 * @param giveUpAfter the total time after which the last failure is thrown
 */
public record RetryPolicy(Duration interval, Duration giveUpAfter) {
    /** Try once; fail at once when no server runs. */
    public static final RetryPolicy NONE = new RetryPolicy(Duration.ofMillis(1), Duration.ZERO);

    public RetryPolicy {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (interval.isNegative() || interval.isZero() || giveUpAfter.isNegative()) {
            throw new IllegalArgumentException("interval must be positive and giveUpAfter not negative");
        }
    }

    /** Retry every {@code interval} for up to {@code giveUpAfter}. */
    public static RetryPolicy every(Duration interval, Duration giveUpAfter) {
        return new RetryPolicy(interval, giveUpAfter);
    }
}
