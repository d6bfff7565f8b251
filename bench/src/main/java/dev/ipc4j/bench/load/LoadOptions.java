package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.transport.WaitStrategy;
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
 * @param help print the usage
 */
public record LoadOptions(int clients, int seconds, int warmupSeconds, int minRequests, int largeBytes, String waitName, boolean json,
        Duration timeout, Duration requestTimeout, boolean help) {
    static final List<String> WAITS = List.of("backoff", "block", "spin");
    public static final LoadOptions DEFAULT = new LoadOptions(16, 10, 45, 0, 1 << 20, "backoff", false, Duration.ofMinutes(10),
            Duration.ofSeconds(30), false);

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

    WaitStrategy waitStrategy() {
        return waitStrategy(waitName);
    }

    static WaitStrategy waitStrategy(String wait) {
        return switch (wait) {
            case "block" -> WaitStrategy.blocking();
            case "spin" -> WaitStrategy.busySpin();
            default -> WaitStrategy.backoff();
        };
    }

    public static LoadOptions parse(String... args) {
        LoadOptions d = DEFAULT;
        int clients = d.clients;
        int seconds = d.seconds;
        int warmup = d.warmupSeconds;
        int minRequests = d.minRequests;
        int large = d.largeBytes;
        String wait = d.waitName;
        boolean json = false;
        Duration timeout = d.timeout;
        Duration requestTimeout = d.requestTimeout;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--json" -> json = true;
                case "--clients" -> clients = OptionNumbers.positive(a, value(args, ++i, a));
                case "--seconds" -> seconds = OptionNumbers.positive(a, value(args, ++i, a));
                case "--warmup-seconds" -> warmup = OptionNumbers.nonNegative(a, value(args, ++i, a));
                case "--min-requests" -> minRequests = OptionNumbers.nonNegative(a, value(args, ++i, a));
                case "--large-bytes" -> large = OptionNumbers.positive(a, value(args, ++i, a));
                case "--wait" -> wait = value(args, ++i, a);
                case "--timeout-seconds" -> timeout = Duration.ofSeconds(OptionNumbers.positive(a, value(args, ++i, a)));
                case "--request-timeout-seconds" -> requestTimeout = Duration.ofSeconds(OptionNumbers.positive(a, value(args, ++i, a)));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new LoadOptions(clients, seconds, warmup, minRequests, large, wait, json, timeout, requestTimeout, help);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    public static String usage() {
        return """
                usage: ./ipc4j bench load [--clients N] [--seconds N] [--warmup-seconds N] [--json]
                                          [--wait backoff|block|spin] [--large-bytes N] [--min-requests N] [--timeout-seconds N]
                                          [--request-timeout-seconds N] [--help]
                One server process (a SessionServer in a child JVM) and N client processes (each a ClientSession and a
                MessageChannel with the raw codec) doing request/response as fast as they can, one request at a time
                per client, for a bounded time (after a warm-up whose requests are checked and counted, not timed). Of every 20 requests: 13 are 64 B answered by 64 B, 5 are 64 B
                answered by 1 MiB, 2 are 1 MiB answered by 64 B. Every payload is checked where it arrives (header,
                sequence number, client, CRC32C of the body); sent, answered and verified are counted on both sides.
                Reports aggregate requests per second, round-trip p50/p90/p99/max (HdrHistogram, all clients merged),
                and the server's threads, RSS and open descriptors before, at peak, loaded (all idle) and after.
                  --clients N                  client processes (default 16, at most 60)
                  --seconds N                  how long every client's measured requests last (default 10)
                  --warmup-seconds N           requests before that, checked and counted but not timed (default 45:
                                               17 JVMs on 2 cores are still compiling 15 s in)
                  --json                       one JSON line on stdout, the report on stderr
                  --wait W                     the rings' wait on both sides: backoff (the library's default), block,
                                               spin (default backoff)
                  --large-bytes N              size of the large requests and responses (default 1048576)
                  --min-requests N             each client makes at least N measured requests, even past --seconds
                                               (default 0)
                  --timeout-seconds N          the whole run's limit; every process is killed past it (default 600)
                  --request-timeout-seconds N  a response not there by then counts as lost (default 30)
                Exit code 0 when the run completed with nothing lost or damaged, 1 otherwise, 2 for bad options.
                """;
    }
}
