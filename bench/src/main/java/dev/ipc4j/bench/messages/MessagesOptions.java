package dev.ipc4j.bench.messages;

import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import java.time.Duration;
import java.util.ArrayList;
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
 * @param help print the usage
 * @param pin this JVM on one CPU, the child on another ({@code taskset}), so the scheduler's placement does not
 *     change the figures from run to run
 */
public record MessagesOptions(int iterations, int warmup, int warmupSeconds, long largeBytes, List<WaitMode> waits,
        boolean json, Duration timeout, boolean help, boolean pin) {
    public static final MessagesOptions DEFAULT = new MessagesOptions(50_000, 5_000, 3, 1L << 30, List.of(WaitMode.BLOCK),
            false, Duration.ofMinutes(10), false, false);

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

    public static MessagesOptions parse(String... args) {
        MessagesOptions o = DEFAULT;
        int iterations = o.iterations;
        int warmup = o.warmup;
        int warmupSeconds = o.warmupSeconds;
        long large = o.largeBytes;
        List<WaitMode> waits = o.waits;
        boolean json = false;
        Duration timeout = o.timeout;
        boolean help = false;
        boolean pin = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--json" -> json = true;
                case "--pin" -> pin = true;
                case "--iterations" -> iterations = Integer.parseInt(value(args, ++i, a));
                case "--warmup" -> warmup = Integer.parseInt(value(args, ++i, a));
                case "--warmup-seconds" -> warmupSeconds = Integer.parseInt(value(args, ++i, a));
                case "--large-bytes" -> large = Long.parseLong(value(args, ++i, a));
                case "--timeout-seconds" -> timeout = Duration.ofSeconds(Long.parseLong(value(args, ++i, a)));
                case "--waits" -> {
                    List<WaitMode> list = new ArrayList<>();
                    for (String w : value(args, ++i, a).split(",")) {
                        list.add(WaitMode.parse(w));
                    }
                    waits = list;
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        return new MessagesOptions(iterations, warmup, warmupSeconds, large, waits, json, timeout, help, pin);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    public static String usage() {
        return """
                usage: ./ipc4j bench messages [--iterations N] [--warmup N] [--warmup-seconds S] [--waits block,spin]
                                              [--large-bytes N] [--timeout-seconds N] [--pin] [--json] [--help]
                Request/response round trips over a session + MessageChannel between this JVM and a child JVM it starts,
                each beside the same exchange on the bare ring pipe of another channel of the session (transport only):
                  ring-64B  transport: 64 bytes each way on the ring, one thread per side
                  raw-64B   message: a 64-byte raw-codec request answered by a 64-byte response (both sent inline)
                  ring-1GiB transport: a 64-byte request answered by the session handle of a 1 GiB raw block in the
                            child's arena, borrowed, read in place (first and last word) and given back inside the clock
                  fb-1GiB   message: a GetFileReq FlatBuffer answered by a GetFileRsp of 65,536 parts of 16 KiB (1 GiB)
                            that the child built in its session arena before the clock and re-sends every time: only a
                            handle crosses; the clock includes taking the root (shallow verification). The response is
                            verified in full and every part's XXH64 checked once, after the clock.
                Reports p50/p90/p99/max per test and wait strategy, and issue 11's targets: message 64 B p50 <= 1.3x
                transport 64 B p50 (blocking waits); message 1 GiB p50 <= 1.2x message 64 B p50.
                  --iterations N      measured round trips per test (default 50000)
                  --warmup N          unmeasured round trips first, at least (default 5000)
                  --warmup-seconds S  and for at least this long, so the JIT has compiled the path (default 3)
                  --waits LIST        block (park at once), spin (busy spin), each its own run (default block; spin:
                                      the requester and the child's runner spin, so it needs 2 free CPUs)
                  --large-bytes N     the large response's data bytes, a multiple of 16384 (default 1073741824)
                  --timeout-seconds N one run's limit; its child is killed past it (default 600)
                  --pin               this JVM on one CPU, the child on another (taskset): placement no longer
                                      varies between runs
                  --json              JSON lines on stdout (a row per test with stack message|transport, a row per
                                      target), the table on stderr
                Exit code 0 when every run succeeded, 1 when one failed, 2 for bad options.
                """;
    }
}
