package dev.ipc4j.bench.harness;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Options of {@code ./ipc4j bench small}. Defaults give 100,000 measured round trips after a warm-up of 200,000 (spin)
 * or 20,000 (other waits) and 4,000,000 throughput messages per (transport, wait), a few minutes for all runs on 2
 * cores.
 *
 * <p>Why the spin warm-ups are longer: 20,000 spinning round trips last about 10 ms, less than the JIT needs to compile
 * a transport's receive loop with its final optimizations, so the measurement began on code still being compiled and
 * its p50 moved by up to 1.7x between runs of the same build (ring 0.43-0.74 µs, 2026-12-02). 200,000 last about
 * 0.1 s; a blocking round trip is 100 times slower, so 20,000 of them already last seconds.
 *
 * @param warmup round trips before measuring, or {@link #DEFAULT_WARMUP} for the wait's default
 */
public record BenchOptions(int iterations, int warmup, int messages, int batchSize, int pollLimit, int payloadBytes,
        List<String> transports, List<WaitMode> waits, boolean json, boolean pin, Duration timeout) {

    /** Aeron sends larger messages as several fragments, which this harness does not reassemble. */
    public static final int MAX_PAYLOAD = 1024;
    /** {@link #warmup()} when not given: {@link #SPIN_WARMUP} or {@link #OTHER_WARMUP} by wait mode. */
    public static final int DEFAULT_WARMUP = -1;
    public static final int SPIN_WARMUP = 200_000;
    public static final int OTHER_WARMUP = 20_000;

    /**
     * Reads {@code ./ipc4j bench small}'s words ({@link SmallCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static BenchOptions parse(String... args) {
        return ToolCommand.parse(new SmallCommand(), args);
    }

    /**
     * The run spec of one (transport, wait): throughput rounds to whole batches and warms up with as many (spin) or
     * about a tenth (other waits).
     */
    public RunSpec spec(String transport, WaitMode wait) {
        int batches = Math.max(1, messages / batchSize);
        int roundTrips = warmup != DEFAULT_WARMUP ? warmup : wait == WaitMode.SPIN ? SPIN_WARMUP : OTHER_WARMUP;
        // Spinning throughput runs are short (4,000,000 messages in 0.1-0.4 s): they warm up with as many messages as
        // they measure, others with a tenth. With 1,000,000 and a tenth of it, the measuring JVM's loops, compiled
        // for the transport measured before, were still being recompiled: the second transport of a run got 14 or
        // 34 M msgs/s by the run, and 35-36 M with 4,000,000 (2026-12-02).
        int warmupBatches = wait == WaitMode.SPIN ? batches : Math.max(1, batches / 10);
        return new RunSpec(transport, wait, payloadBytes, roundTrips, iterations, batchSize, warmupBatches, batches, pollLimit, timeout);
    }

    static List<String> list(String value) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : value.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("empty list");
        }
        return List.copyOf(out);
    }
}
