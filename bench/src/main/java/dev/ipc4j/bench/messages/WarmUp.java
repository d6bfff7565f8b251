package dev.ipc4j.bench.messages;

/**
 * When a test's warm-up is over: after at least {@link MessagesOptions#warmup()} round trips and at least
 * {@link MessagesOptions#warmupSeconds()}. A count alone is not enough: with both processes on one vCPU a round trip
 * takes ~4 µs, so 5,000 of them are over in 20 ms, long before the JIT has compiled the message path (its compiler
 * threads share that vCPU), and the figures then measured the compiler. One per test, on the measuring thread.
 */
final class WarmUp {
    private final int rounds;
    private final long until;
    private boolean over;

    WarmUp(MessagesOptions options) {
        this.rounds = options.warmup();
        this.until = System.nanoTime() + options.warmupSeconds() * 1_000_000_000L;
    }

    /** Whether round trip {@code i} (counted from 0) is measured; once true, true for every later one. */
    boolean over(long i) {
        if (!over && i >= rounds && System.nanoTime() - until >= 0) {
            over = true;
        }
        return over;
    }
}
