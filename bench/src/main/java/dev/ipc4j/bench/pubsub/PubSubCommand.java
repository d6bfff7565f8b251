package dev.ipc4j.bench.pubsub;

import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.bench.harness.ToolCommand;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j bench pubsub}: the words it takes, read into {@link PubSubOptions}; runs {@link PubSubBench}. */
@Command(name = "pubsub", sortOptions = false,
        header = "Fan-out to 1-8 subscriber processes: ipc4j pub/sub vs Aeron IPC.",
        descriptionHeading = "%n",
        description = {
            "This JVM publishes a topic to N subscriber JVMs it starts, samples paced at a steady rate (64 B: one per 200 us; "
                    + "larger: one per 2 ms), with Aeron IPC (one exclusive publication, N subscriptions, driver embedded "
                    + "here) as the baseline in the same invocation. Both are reliable (the publisher is held back by the "
                    + "slowest subscriber) and wait by blocking (ipc4j: a futex; Aeron has no blocking wait: its "
                    + "BackoffIdleStrategy), the only fair choice with N + 1 processes on a small machine.",
            "publish: the publishing call on a sample already written (ipc4j: publish() of the loaned block; Aeron: "
                    + "offer() of the buffer, which copies it into the log). latency: from the sample written and stamped "
                    + "to the LAST subscriber having it in hand (ipc4j: borrowed in place; Aeron: reassembled), per sample; "
                    + "with more than one subscriber, also its p50 by arrival (the 1st, 2nd, ... subscriber to have each "
                    + "sample: how the wake-ups add up).",
            "Targets (issue 16): ipc4j publish p50 with 8 subscribers <= 1.2x with 1; 1 MiB latency to the last subscriber "
                    + ">= 10x lower than Aeron's at every N; 64 B no worse than Aeron's at every N."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when every run succeeded, 1 when one failed, 2 for bad options.")
public final class PubSubCommand extends ToolCommand<PubSubOptions> {
    @Option(names = "--subscribers", paramLabel = "LIST", description = "Subscriber process counts (default 1,2,4,8).")
    private String subscribers;

    @Option(names = "--payloads", paramLabel = "LIST", description = "Sample sizes in bytes (default 64,1048576).")
    private String payloads;

    @Option(names = "--samples", paramLabel = "N", description = "Measured samples per run (default 20000; a tenth above 64 KiB).")
    private String samples;

    @Option(names = "--warmup", paramLabel = "N", description = "Unmeasured samples first (default 15000, 3 s at the pace; a tenth above 64 KiB).")
    private String warmup;

    @Option(names = "--transports", paramLabel = "LIST", description = "ipc4j, aeron or both (default both).")
    private String transports;

    @Option(names = "--timeout-seconds", paramLabel = "N", description = "One run's limit (default 300).")
    private String timeoutSeconds;

    @Option(names = "--json", description = "JSON lines on stdout (a row per run, a row per target), the table on stderr.")
    private boolean json;

    @Override
    protected PubSubOptions options() {
        PubSubOptions d = PubSubOptions.DEFAULT;
        return new PubSubOptions(subscribers == null ? d.subscribers() : numbers("--subscribers", subscribers),
                payloads == null ? d.payloads() : numbers("--payloads", payloads),
                samples == null ? d.samples() : OptionNumbers.positive("--samples", samples),
                warmup == null ? d.warmup() : OptionNumbers.nonNegative("--warmup", warmup),
                transports == null ? d.transports() : List.of(transports.split(",")), json,
                timeoutSeconds == null ? d.timeout() : Duration.ofSeconds(OptionNumbers.positive("--timeout-seconds", timeoutSeconds)));
    }

    private static List<Integer> numbers(String option, String list) {
        List<Integer> out = new ArrayList<>();
        for (String word : list.split(",")) {
            out.add(OptionNumbers.positive(option, word.trim()));
        }
        return out;
    }

    @Override
    protected int run(PubSubOptions options, PrintStream out, PrintStream err) throws Exception {
        return PubSubBench.run(options, out, err);
    }
}
