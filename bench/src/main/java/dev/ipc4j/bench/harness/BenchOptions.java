package dev.ipc4j.bench.harness;

import java.time.Duration;
import java.util.ArrayList;
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
        List<String> transports, List<WaitMode> waits, boolean json, boolean pin, Duration timeout, boolean help) {

    /** Aeron sends larger messages as several fragments, which this harness does not reassemble. */
    public static final int MAX_PAYLOAD = 1024;
    /** {@link #warmup()} when not given: {@link #SPIN_WARMUP} or {@link #OTHER_WARMUP} by wait mode. */
    public static final int DEFAULT_WARMUP = -1;
    public static final int SPIN_WARMUP = 200_000;
    public static final int OTHER_WARMUP = 20_000;

    public static final String USAGE = """
            usage: ./ipc4j bench small [options]
              64-byte round trips (ping-pong) and one-way throughput between two JVM processes, per transport and wait mode.
              --iterations N     measured round trips per run (default 100000)
              --warmup N         round trips before measuring (default 200000 with spin, 20000 otherwise: the JIT
                                 needs about 0.1 s; throughput warms up with --messages with spin, a
                                 tenth of it otherwise)
              --messages N       measured throughput messages per run (default 4000000)
              --batch N          throughput messages per acknowledgement (default 10000)
              --poll-limit N     the most throughput messages the reader takes per poll (default 64; 1: one
                                 receive per message)
              --payload N        message size in bytes, 8..1024 (default 64)
              --transports LIST  comma-separated, from: %s (default: all)
              --waits LIST       spin,block (default: both)
              --pin              pin this process to one CPU and the child to another (taskset)
              --timeout S        seconds allowed per run before the child is killed (default 600)
              --json             JSON lines on stdout (one per transport, wait and test); the table goes to stderr
            """;

    public static BenchOptions parse(String... args) {
        int iterations = 100_000;
        int warmup = DEFAULT_WARMUP;
        int messages = 4_000_000;
        int batch = 10_000;
        int pollLimit = 64;
        int payload = 64;
        List<String> transports = Transports.all().stream().map(PingPongTransport::name).toList();
        List<WaitMode> waits = List.of(WaitMode.SPIN, WaitMode.BLOCK);
        boolean json = false;
        boolean pin = false;
        boolean help = false;
        Duration timeout = Duration.ofMinutes(10);
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--json" -> json = true;
                case "--pin" -> pin = true;
                case "-h", "--help" -> help = true;
                case "--iterations" -> iterations = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--warmup" -> warmup = OptionNumbers.nonNegative(arg, value(args, ++i, arg));
                case "--messages" -> messages = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--batch" -> batch = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--poll-limit" -> pollLimit = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--payload" -> payload = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--timeout" -> timeout = Duration.ofSeconds(OptionNumbers.positive(arg, value(args, ++i, arg)));
                case "--transports" -> {
                    transports = new ArrayList<>();
                    for (String name : list(value(args, ++i, arg))) {
                        transports.add(Transports.named(name).name());
                    }
                }
                case "--waits" -> {
                    List<WaitMode> chosen = new ArrayList<>();
                    for (String name : list(value(args, ++i, arg))) {
                        chosen.add(WaitMode.parse(name));
                    }
                    waits = chosen;
                }
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (payload < Payload.MIN_BYTES || payload > MAX_PAYLOAD) {
            throw new IllegalArgumentException("--payload must be between " + Payload.MIN_BYTES + " and " + MAX_PAYLOAD);
        }
        batch = Math.min(batch, messages);
        return new BenchOptions(iterations, warmup, messages, batch, pollLimit, payload, List.copyOf(transports), List.copyOf(waits),
                json, pin, timeout, help);
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

    public static String usage() {
        return USAGE.formatted(String.join(",", Transports.all().stream().map(PingPongTransport::name).toList()));
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<String> list(String value) {
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
