package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.ToolCommand;
import java.time.Duration;
import java.util.List;

/**
 * Options of {@code ./ipc4j bench load}.
 *
 * @param clients client processes, each one session and one message channel
 * @param seconds how long each client's measured requests last (after its warm-up)
 * @param warmupSeconds how long each client makes requests first, checked and counted but not timed (JIT, first
 *     allocations, first mappings in all the JVMs; on this project's 2-vCPU machine, 17 JVMs were still in the
 *     interpreter and their compiler threads took 15% of the CPU 15 s in (perf, 2026-12-07), hence 45 s)
 * @param minRequests measured requests each client makes at least, even past {@code seconds} (for tests on a slow
 *     machine)
 * @param largeBytes the size of the large requests and responses
 * @param waitName the rings' wait strategy on both sides: {@code backoff} (the library's default), {@code block}, {@code spin}
 * @param json one JSON line on stdout (the report goes to stderr)
 * @param timeout the whole run's limit (JVM starts included); every process is killed past it
 * @param requestTimeout how long a client waits for one response before counting it lost
 */
public record LoadOptions(int clients, int seconds, int warmupSeconds, int minRequests, int largeBytes, String waitName, boolean json,
        Duration timeout, Duration requestTimeout) {
    static final List<String> WAITS = List.of("backoff", "block", "spin");
    public static final LoadOptions DEFAULT = new LoadOptions(16, 10, 45, 0, 1 << 20, "backoff", false, Duration.ofMinutes(10),
            Duration.ofSeconds(30));

    public LoadOptions {
        if (clients < 1 || clients > 60) {
            throw new IllegalArgumentException("--clients must be 1..60 (the server takes 63 sessions): " + clients);
        }
        if (seconds < 1) {
            throw new IllegalArgumentException("--seconds must be positive");
        }
        if (largeBytes < LoadProtocol.SMALL_BYTES || largeBytes % 8 != 0 || largeBytes > 64 << 20) {
            throw new IllegalArgumentException("--large-bytes must be a multiple of 8 from 64 to 64 MiB: " + largeBytes);
        }
        if (!WAITS.contains(waitName)) {
            throw new IllegalArgumentException("--wait takes one of " + WAITS + ", not '" + waitName + "'");
        }
        if (warmupSeconds < 0) {
            throw new IllegalArgumentException("--warmup-seconds must not be negative");
        }
        if (timeout.getSeconds() <= seconds + warmupSeconds) {
            throw new IllegalArgumentException("--timeout-seconds must be longer than --warmup-seconds + --seconds");
        }
    }


    /**
     * Reads {@code ./ipc4j bench load}'s words ({@link LoadCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static LoadOptions parse(String... args) {
        return ToolCommand.parse(new LoadCommand(), args);
    }
}
