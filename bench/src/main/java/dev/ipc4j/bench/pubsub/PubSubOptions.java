package dev.ipc4j.bench.pubsub;

import dev.ipc4j.bench.harness.ToolCommand;
import java.time.Duration;
import java.util.List;

/**
 * Options of {@code ./ipc4j bench pubsub}.
 *
 * @param subscribers the subscriber process counts to run, each a run of its own per payload and transport
 * @param payloads the sample sizes in bytes (at least 24: sequence, timestamp, trailer)
 * @param samples measured samples per run and payload of at most 64 KiB; larger payloads measure a tenth of it
 * @param warmup unmeasured samples before them (a tenth for larger payloads): 3 s at the paced rate by default, the
 *     time N + 1 JVMs on a small machine need to compile the paths
 * @param transports {@code ipc4j}, {@code aeron}, or both (the baseline, in the same invocation)
 * @param json JSON lines on stdout (the table goes to stderr)
 * @param timeout how long one run may take before its children are killed
 */
public record PubSubOptions(List<Integer> subscribers, List<Integer> payloads, int samples, int warmup, List<String> transports,
        boolean json, Duration timeout) {
    public static final PubSubOptions DEFAULT = new PubSubOptions(List.of(1, 2, 4, 8), List.of(64, 1 << 20), 20_000, 15_000,
            List.of("ipc4j", "aeron"), false, Duration.ofMinutes(5));

    public PubSubOptions {
        if (subscribers.isEmpty() || subscribers.stream().anyMatch(n -> n < 1 || n > 32)) {
            throw new IllegalArgumentException("--subscribers takes counts from 1 to 32: " + subscribers);
        }
        if (payloads.isEmpty() || payloads.stream().anyMatch(b -> b < 24 || b > 8 << 20)) {
            throw new IllegalArgumentException("--payloads takes sizes from 24 bytes to 8 MiB: " + payloads);
        }
        if (samples < 10 || warmup < 0) {
            throw new IllegalArgumentException("--samples must be at least 10 and --warmup not negative");
        }
        if (transports.isEmpty() || !List.of("ipc4j", "aeron").containsAll(transports)) {
            throw new IllegalArgumentException("--transports takes ipc4j and aeron: " + transports);
        }
        subscribers = List.copyOf(subscribers);
        payloads = List.copyOf(payloads);
        transports = List.copyOf(transports);
    }

    /** Measured samples of a run with {@code payload}-byte samples. */
    int samplesOf(int payload) {
        return payload > 64 << 10 ? Math.max(10, samples / 10) : samples;
    }

    /** Warm-up samples of a run with {@code payload}-byte samples. */
    int warmupOf(int payload) {
        return payload > 64 << 10 ? warmup / 10 : warmup;
    }

    /**
     * Reads {@code ./ipc4j bench pubsub}'s words ({@link PubSubCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PubSubOptions parse(String... args) {
        return ToolCommand.parse(new PubSubCommand(), args);
    }
}
