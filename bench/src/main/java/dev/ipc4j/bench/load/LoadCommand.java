package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.bench.harness.ToolCommand;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j bench load}: the words it takes, read into {@link LoadOptions}; runs {@link LoadBench} in a private directory. */
@Command(name = "load", sortOptions = false,
        header = "A server process and 16 clients: mixed requests, requests/s, p99.",
        descriptionHeading = "%n",
        description = {
            "One server process (a SessionServer in a child JVM) and N client processes (each a ClientSession and a "
                    + "MessageChannel with the raw codec) doing request/response as fast as they can, one request at a time per "
                    + "client, for a bounded time (after a warm-up whose requests are checked and counted, not timed). Of every "
                    + "20 requests: 13 are 64 B answered by 64 B, 5 are 64 B answered by 1 MiB, 2 are 1 MiB answered by 64 B. "
                    + "Every payload is checked where it arrives (header, sequence number, client, CRC32C of the body); sent, "
                    + "answered and verified are counted on both sides.",
            "Reports aggregate requests per second, round-trip p50/p90/p99/max (HdrHistogram, all clients merged), and the "
                    + "server's threads, RSS and open descriptors before, at peak, loaded (all idle) and after."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when the run completed with nothing lost or damaged, 1 otherwise, 2 for bad options.")
public final class LoadCommand extends ToolCommand<LoadOptions> {
    @Option(names = "--clients", paramLabel = "N", description = "Client processes (default 16, at most 60).")
    private String clients;

    @Option(names = "--seconds", paramLabel = "N", description = "How long every client's measured requests last (default 10).")
    private String seconds;

    @Option(names = "--warmup-seconds", paramLabel = "N", description = "Requests before that, checked and counted but not timed (default 45: 17 JVMs on 2 cores are still compiling 15 s in).")
    private String warmupSeconds;

    @Option(names = "--json", description = "One JSON line on stdout, the report on stderr.")
    private boolean json;

    @Option(names = "--wait", paramLabel = "W",
            description = "The rings' wait on both sides: backoff (the library's default), block, spin (default backoff).")
    private String wait;

    @Option(names = "--large-bytes", paramLabel = "N", description = "Size of the large requests and responses (default 1048576).")
    private String largeBytes;

    @Option(names = "--min-requests", paramLabel = "N",
            description = "Each client makes at least N measured requests, even past --seconds (default 0).")
    private String minRequests;

    @Option(names = "--timeout-seconds", paramLabel = "N", description = "The whole run's limit; every process is killed past it (default 600).")
    private String timeoutSeconds;

    @Option(names = "--request-timeout-seconds", paramLabel = "N", description = "A response not there by then counts as lost (default 30).")
    private String requestTimeoutSeconds;

    @Override
    protected LoadOptions options() {
        LoadOptions d = LoadOptions.DEFAULT;
        return new LoadOptions(clients == null ? d.clients() : OptionNumbers.positive("--clients", clients),
                seconds == null ? d.seconds() : OptionNumbers.positive("--seconds", seconds),
                warmupSeconds == null ? d.warmupSeconds() : OptionNumbers.nonNegative("--warmup-seconds", warmupSeconds),
                minRequests == null ? d.minRequests() : OptionNumbers.nonNegative("--min-requests", minRequests),
                largeBytes == null ? d.largeBytes() : OptionNumbers.positive("--large-bytes", largeBytes),
                wait == null ? d.waitName() : wait, json,
                timeoutSeconds == null ? d.timeout() : Duration.ofSeconds(OptionNumbers.positive("--timeout-seconds", timeoutSeconds)),
                requestTimeoutSeconds == null ? d.requestTimeout()
                        : Duration.ofSeconds(OptionNumbers.positive("--request-timeout-seconds", requestTimeoutSeconds)));
    }

    @Override
    protected int run(LoadOptions options, PrintStream out, PrintStream err) throws Exception {
        Path runDir = Files.createTempDirectory("ipc4j-bench-load-");
        try {
            return LoadBench.run(options, runDir, out, err);
        } finally {
            FileTrees.delete(runDir);
        }
    }
}
