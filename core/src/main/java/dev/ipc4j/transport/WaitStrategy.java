package dev.ipc4j.transport;

import java.time.Duration;

/**
 * How a pipe waits for a message (or for room to send one). Every wait checks, at least every {@link #CHECK_INTERVAL},
 * whether the pipe was closed or the peer died, so no wait outlives its peer by more than that.
 */
public sealed interface WaitStrategy {
    /** The longest a parked thread sleeps before it looks at the peer again. */
    Duration CHECK_INTERVAL = Duration.ofMillis(100);

    /** Spin without ever sleeping: the lowest latency, a whole core each; two spinners on one core collapse. */
    record BusySpin() implements WaitStrategy {}

    /**
     * Spin briefly, then yield, then park on a futex until woken; the writer makes the wake system call only when
     * the reader is actually parked, so a busy pipe makes no system calls.
     *
     * @param spins busy-spin iterations before yielding (0 parks sooner)
     * @param yields {@link Thread#yield()} calls before parking
     */
    record Backoff(int spins, int yields) implements WaitStrategy {
        public Backoff {
            if (spins < 0 || yields < 0) {
                throw new IllegalArgumentException("spins and yields must not be negative");
            }
        }
    }

    /** Spin without pause: the lowest latency, a whole CPU per waiting thread. */
    static WaitStrategy busySpin() {
        return new BusySpin();
    }

    /** Park on the futex at once: best when the peers share a CPU, or latency matters less than CPU time. */
    static WaitStrategy blocking() {
        return new Backoff(0, 0);
    }

    /** The default: a short bounded spin (a few microseconds), a few yields, then park. */
    static WaitStrategy backoff() {
        return new Backoff(256, 8);
    }

    /** Whether a waiter may sleep in the kernel (then the other side must wake it). */
    default boolean mayPark() {
        return !(this instanceof BusySpin);
    }
}
