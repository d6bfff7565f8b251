package dev.ipc4j.bench.messages;

import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j bench messages}: the words it takes, read into {@link MessagesOptions}; runs {@link MessagesBench}. */
@Command(name = "messages", sortOptions = false,
        header = "64 B and 1 GiB round trips: MessageChannel vs the bare ring.",
        descriptionHeading = "%n",
        description = {
            "Request/response round trips over a session + MessageChannel between this JVM and a child JVM it starts, each "
                    + "beside the same exchange on the bare ring pipe of another channel of the session (transport only):",
            "  ring-64B  transport: 64 bytes each way on the ring, one thread per side",
            "  raw-64B   message: a 64-byte raw-codec request answered by a 64-byte response (both sent inline)",
            "  ring-1GiB transport: a 64-byte request answered by the session handle of a 1 GiB raw block in the child's "
                    + "arena, borrowed, read in place (first and last word) and given back inside the clock",
            "  fb-1GiB   message: a GetFileReq FlatBuffer answered by a GetFileRsp of 65,536 parts of 16 KiB (1 GiB) that "
                    + "the child built in its session arena before the clock and re-sends every time: only a handle crosses; "
                    + "the clock includes taking the root (shallow verification). The response is verified in full and every "
                    + "part's XXH64 checked once, after the clock.",
            "  raw-64B-off message: raw-64B on a channel whose live counters are off on both sides",
            "  raw-64B-tap message: raw-64B with the server's tap on and an observer subscribed that never reads it",
            "Reports p50/p90/p99/max per test and wait strategy, and the targets: message 64 B p50 <= 1.3x transport "
                    + "64 B p50 (blocking waits); message 1 GiB p50 <= 1.2x message 64 B p50 (issue 11); message 64 B p50 "
                    + "with counters <= 1.05x without, and with a stalled tap observer <= 1.05x the tap off (issue 17)."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when every run succeeded, 1 when one failed, 2 for bad options.")
public final class MessagesCommand extends ToolCommand<MessagesOptions> {
    @Option(names = "--iterations", paramLabel = "N", description = "Measured round trips per test (default 50000).")
    private String iterations;

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured round trips first, at least (default 5000).")
    private String warmup;

    @Option(names = "--warmup-seconds", paramLabel = "S",
            description = "And for at least this long, so the JIT has compiled the path (default 3).")
    private String warmupSeconds;

    @Option(names = "--waits", paramLabel = "LIST", description = "block (park at once), spin (busy spin), each its own run (default block; spin: the requester and the child's runner spin, so it needs 2 free CPUs).")
    private String waits;

    @Option(names = "--large-bytes", paramLabel = "N",
            description = "The large response's data bytes, a multiple of 16384 (default 1073741824).")
    private String largeBytes;

    @Option(names = "--timeout-seconds", paramLabel = "N", description = "One run's limit; its child is killed past it (default 600).")
    private String timeoutSeconds;

    @Option(names = "--pin", description = "This JVM on one CPU, the child on another (taskset): placement no longer varies between runs.")
    private boolean pin;

    @Option(names = "--json", description = "JSON lines on stdout (a row per test with stack message|transport, a row per target), the table on stderr.")
    private boolean json;

    @Override
    protected MessagesOptions options() {
        MessagesOptions d = MessagesOptions.DEFAULT;
        List<WaitMode> modes = d.waits();
        if (waits != null) {
            modes = new ArrayList<>();
            for (String w : waits.split(",")) {
                modes.add(WaitMode.parse(w));
            }
        }
        return new MessagesOptions(iterations == null ? d.iterations() : OptionNumbers.positive("--iterations", iterations),
                warmup == null ? d.warmup() : OptionNumbers.nonNegative("--warmup", warmup),
                warmupSeconds == null ? d.warmupSeconds() : OptionNumbers.nonNegative("--warmup-seconds", warmupSeconds),
                largeBytes == null ? d.largeBytes() : bytes(largeBytes), modes, json,
                timeoutSeconds == null ? d.timeout() : Duration.ofSeconds(OptionNumbers.positive("--timeout-seconds", timeoutSeconds)), pin);
    }

    private static long bytes(String value) {
        try {
            return Long.parseLong(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--large-bytes takes a whole number, not '" + value + "'");
        }
    }

    @Override
    protected int run(MessagesOptions options, PrintStream out, PrintStream err) {
        return MessagesBench.run(options, out, err);
    }
}
