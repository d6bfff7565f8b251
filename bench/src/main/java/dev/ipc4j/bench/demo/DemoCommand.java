package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j demo}: the words it takes, read into {@link DemoOptions}; runs {@link Demo}. */
@Command(name = "demo", sortOptions = false,
        headerHeading = "", header = "The main job: zero-copy vs copied round trips of 100 KiB..1 GiB messages.",
        descriptionHeading = "%n",
        description = {
            "A server JVM (a SessionServer) answers each GetFileReq with a FlatBuffers GetFileRsp of the payload size (16 KiB "
                    + "parts, each with its size and a 64-bit hash, built once in its session's shared memory before the clock "
                    + "starts); this JVM, the client (a ClientSession), times the round trip over a MessageChannel until it holds "
                    + "the response's root, zero-copy (only a handle crosses), then the same bytes copied over a Unix socket as "
                    + "the baseline. Prints p50/p90/p99 per size and mode and the speed-up."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when every size ran and verified, 1 when something failed, 2 for bad options.")
public final class DemoCommand extends ToolCommand<DemoOptions> {
    @Option(names = "--sizes", paramLabel = "LIST",
            description = "Payload sizes, e.g. 100KiB,1MiB,1GiB (default 100KiB,1MiB,10MiB,100MiB,1GiB; 4KiB..4GiB).")
    private String sizes;

    @Option(names = "--iterations", paramLabel = "N", description = "Measured round trips per size and mode (default: 2000 zero-copy for every size; copied 1000 for 100 KiB, 300 for 1 MiB, 40 for 10 MiB, 10 for 100 MiB, 5 for 1 GiB).")
    private String iterations;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Round trips before measuring, not recorded (default: 10000 zero-copy, a tenth of the copied ones).")
    private String warmup;

    @Option(names = "--wait", paramLabel = "MODE", description = "How both processes wait on the channel: block (default; park at once), spin (busy spin, a core per side) or backoff (the library's default: spin a few microseconds, yield, park); the copied baseline always uses blocking socket I/O.")
    private String wait;

    @Option(names = "--json", description = "One JSON object per line per (size, mode) on stdout; the table goes to stderr.")
    private boolean json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report with a log-log chart.")
    private Path html;

    @Option(names = "--stack", paramLabel = "NAME", description = "message (default): session + MessageChannel + FlatBuffers codec, what a user's code runs on; transport: the raw-transport rows, a hand-rolled protocol over a transport.Channel below the session and message layers.")
    private String stack;

    @Option(names = "--zero-copy", paramLabel = "NAME", completionCandidates = ZeroCopyNames.class,
            description = "With --stack transport: its zero-copy implementation (default " + ZeroCopyModes.DEFAULT
                    + "; available: ${COMPLETION-CANDIDATES}).")
    private String zeroCopy;

    @Option(names = "--timeout", paramLabel = "S", description = "Seconds the whole run may take before the server is killed (default 600).")
    private String timeout;

    @Option(names = "--cold", description = "Flow-IPC's methodology: a fresh server and client JVM pair per size and run, "
            + "timing its one and first round trip (zero-copy; the copied one in a pair of its own); medians and extremes "
            + "over the runs, and each pair's time from starting the client to that round trip done.")
    private boolean cold;

    @Option(names = "--runs", paramLabel = "N", description = "With --cold: fresh pairs per size and mode (default 7).")
    private String runs;

    /** Test hook, not in the help: the server flips a byte of this part after hashing it, so verification must fail. */
    @Option(names = "--corrupt-part", hidden = true)
    private String corruptPart;

    @Override
    protected DemoOptions options() {
        DemoStack s = stack == null ? DemoStack.MESSAGE : DemoStack.parse(stack);
        String mode = zeroCopy == null ? null : ZeroCopyModes.named(zeroCopy).name();
        if (mode != null && s != DemoStack.TRANSPORT) {
            throw new IllegalArgumentException("--zero-copy chooses the raw transport's implementation: use it with --stack transport");
        }
        if (cold && (iterations != null || warmup != null || html != null || s != DemoStack.MESSAGE)) {
            throw new IllegalArgumentException("--cold times the first round trip of fresh processes on the whole stack:"
                    + " no --iterations, --warmup, --html or --stack with it");
        }
        if (runs != null && !cold) {
            throw new IllegalArgumentException("--runs counts the fresh pairs of --cold: use it with --cold");
        }
        return new DemoOptions(sizes == null ? DemoOptions.DEFAULT_SIZES : DemoOptions.sizes(sizes),
                iterations == null ? 0 : OptionNumbers.positive("--iterations", iterations),
                warmup == null ? -1 : OptionNumbers.nonNegative("--warmup", warmup),
                wait == null ? WaitMode.BLOCK : WaitMode.parse(wait), json, html, s, mode == null ? ZeroCopyModes.DEFAULT : mode,
                timeout == null ? Duration.ofMinutes(10) : Duration.ofSeconds(OptionNumbers.positive("--timeout", timeout)),
                corruptPart == null ? -1 : OptionNumbers.nonNegative("--corrupt-part", corruptPart), cold,
                runs == null ? DemoOptions.COLD_RUNS : OptionNumbers.positive("--runs", runs));
    }

    @Override
    protected int run(DemoOptions options, PrintStream out, PrintStream err) {
        return options.cold() ? ColdDemo.run(options, out, err) : Demo.run(options, out, err);
    }

    /** The raw transport's zero-copy implementations, for the help and shell completion. */
    static final class ZeroCopyNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ZeroCopyModes.names().iterator();
        }
    }
}
