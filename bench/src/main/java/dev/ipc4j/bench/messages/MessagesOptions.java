package dev.ipc4j.bench.messages;

import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import java.time.Duration;
import java.util.List;

/**
 * Options of {@code ./ipc4j bench messages}.
 *
 * @param iterations measured round trips per test
 * @param warmup round trips before measuring, per test (at least)
 * @param warmupSeconds seconds of round trips before measuring, per test (at least): the JIT's time to compile
 * @param largeBytes the zero-copy FlatBuffers response's part data (a multiple of 16 KiB; 1 GiB by default)
 * @param waits the wait strategies to run, each a run of its own (a server, a child JVM, both tests)
 * @param json JSON lines on stdout (the table goes to stderr)
 * @param timeout how long one run may take before its child is killed
 * @param pin this JVM on one CPU, the child on another ({@code taskset}), so the scheduler's placement does not
 *     change the figures from run to run
 */
public record MessagesOptions(int iterations, int warmup, int warmupSeconds, long largeBytes, List<WaitMode> waits,
        boolean json, Duration timeout, boolean pin) {
    public static final MessagesOptions DEFAULT = new MessagesOptions(50_000, 5_000, 3, 1L << 30, List.of(WaitMode.BLOCK),
            false, Duration.ofMinutes(10), false);

    public MessagesOptions {
        if (iterations < 1 || warmup < 0 || warmupSeconds < 0) {
            throw new IllegalArgumentException("--iterations must be positive, --warmup and --warmup-seconds not negative");
        }
        if (largeBytes < DemoMessages.PART_SIZE || largeBytes % DemoMessages.PART_SIZE != 0) {
            throw new IllegalArgumentException("--large-bytes must be a positive multiple of " + DemoMessages.PART_SIZE + ": " + largeBytes);
        }
        DemoMessages.responseCapacity((int) Math.min(Integer.MAX_VALUE, largeBytes / DemoMessages.PART_SIZE), DemoMessages.PART_SIZE);
        if (waits.isEmpty()) {
            throw new IllegalArgumentException("--waits names no wait strategy");
        }
        waits = List.copyOf(waits);
    }

    /**
     * Reads {@code ./ipc4j bench messages}'s words ({@link MessagesCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static MessagesOptions parse(String... args) {
        return ToolCommand.parse(new MessagesCommand(), args);
    }
}
