package dev.ipc4j.bench.harness;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j bench small}: the words it takes, read into {@link BenchOptions}; runs {@link SmallBench}. */
@Command(name = "small", sortOptions = false,
        header = "64-byte round trips: ipc4j pipes vs Unix socket, TCP, Aeron.",
        descriptionHeading = "%n",
        description = "64-byte round trips (ping-pong) and one-way throughput between two JVM processes, per transport and wait mode.",
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when every run succeeded, 1 when one failed (the others still run), 2 for bad options.")
public final class SmallCommand extends ToolCommand<BenchOptions> {
    @Option(names = "--iterations", paramLabel = "N", description = "Measured round trips per run (default 100000).")
    private String iterations;

    @Option(names = "--warmup", paramLabel = "N", description = "Round trips before measuring (default 200000 with spin, 20000 otherwise: the JIT needs about 0.1 s; throughput warms up with --messages with spin, a tenth of it otherwise).")
    private String warmup;

    @Option(names = "--messages", paramLabel = "N", description = "Measured throughput messages per run (default 4000000).")
    private String messages;

    @Option(names = "--batch", paramLabel = "N", description = "Throughput messages per acknowledgement (default 10000).")
    private String batch;

    @Option(names = "--poll-limit", paramLabel = "N",
            description = "The most throughput messages the reader takes per poll (default 64; 1: one receive per message).")
    private String pollLimit;

    @Option(names = "--payload", paramLabel = "N", description = "Message size in bytes, 8..1024 (default 64).")
    private String payload;

    @Option(names = "--transports", paramLabel = "LIST", completionCandidates = TransportNames.class,
            description = "Comma-separated, from: ${COMPLETION-CANDIDATES} (default: all).")
    private String transports;

    @Option(names = "--waits", paramLabel = "LIST", description = "spin,block (default: both).")
    private String waits;

    @Option(names = "--pin", description = "Pin this process to one CPU and the child to another (taskset).")
    private boolean pin;

    @Option(names = "--timeout", paramLabel = "S", description = "Seconds allowed per run before the child is killed (default 600).")
    private String timeout;

    @Option(names = "--json", description = "JSON lines on stdout (one per transport, wait and test); the table goes to stderr.")
    private boolean json;

    @Override
    protected BenchOptions options() {
        int messageCount = messages == null ? 4_000_000 : OptionNumbers.positive("--messages", messages);
        int payloadBytes = payload == null ? 64 : OptionNumbers.positive("--payload", payload);
        if (payloadBytes < Payload.MIN_BYTES || payloadBytes > BenchOptions.MAX_PAYLOAD) {
            throw new IllegalArgumentException("--payload must be between " + Payload.MIN_BYTES + " and " + BenchOptions.MAX_PAYLOAD);
        }
        List<String> chosen = new ArrayList<>();
        if (transports == null) {
            Transports.all().forEach(t -> chosen.add(t.name()));
        } else {
            for (String name : BenchOptions.list(transports)) {
                chosen.add(Transports.named(name).name());
            }
        }
        List<WaitMode> modes = new ArrayList<>();
        if (waits == null) {
            modes.addAll(List.of(WaitMode.SPIN, WaitMode.BLOCK));
        } else {
            for (String name : BenchOptions.list(waits)) {
                modes.add(WaitMode.parse(name));
            }
        }
        return new BenchOptions(iterations == null ? 100_000 : OptionNumbers.positive("--iterations", iterations),
                warmup == null ? BenchOptions.DEFAULT_WARMUP : OptionNumbers.nonNegative("--warmup", warmup), messageCount,
                Math.min(batch == null ? 10_000 : OptionNumbers.positive("--batch", batch), messageCount),
                pollLimit == null ? 64 : OptionNumbers.positive("--poll-limit", pollLimit), payloadBytes, List.copyOf(chosen),
                List.copyOf(modes), json, pin,
                timeout == null ? Duration.ofMinutes(10) : Duration.ofSeconds(OptionNumbers.positive("--timeout", timeout)));
    }

    @Override
    protected int run(BenchOptions options, PrintStream out, PrintStream err) throws Exception {
        return SmallBench.run(options, out, err);
    }

    /** The transports' names, for the help and shell completion. */
    static final class TransportNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Transports.all().stream().map(PingPongTransport::name).iterator();
        }
    }
}
