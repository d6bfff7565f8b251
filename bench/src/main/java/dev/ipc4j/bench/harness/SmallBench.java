package dev.ipc4j.bench.harness;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./ipc4j bench small}: 64-byte ping-pong and one-way throughput between two JVM processes for every chosen
 * transport and wait mode, baselines and candidates in the same invocation. Exit code 0 when every run succeeded, 1
 * when one failed (the others still run and are reported), 2 for bad options.
 */
public final class SmallBench {
    private SmallBench() {}

    /** Runs everything {@code options} asks for; returns the exit code. */
    public static int run(BenchOptions options, PrintStream out, PrintStream err) throws Exception {
        // With --json, stdout carries only JSON lines (for tools); people read the table on stderr.
        PrintStream human = options.json() ? err : out;
        Pinning pinning = options.pin() ? Pinning.pinSelf() : null;
        List<Result> results = new ArrayList<>();
        List<String> legend = new ArrayList<>();
        int failures = 0;
        for (String name : options.transports()) {
            PingPongTransport transport = Transports.named(name);
            legend.add(String.format("  %-6s %s", transport.name(), transport.description()));
            for (WaitMode wait : options.waits()) {
                if (!transport.waits().contains(wait)) {
                    continue;
                }
                RunSpec spec = options.spec(name, wait);
                err.printf("bench small: %s/%s: %,d round trips after %,d of warm-up, then %,d messages one way...%n", name, wait.label(),
                        spec.iterations(), spec.warmup(), spec.measuredMessages());
                try {
                    List<Result> run = CrossProcessRun.run(spec, pinning);
                    results.addAll(run);
                    err.println("bench small:   " + run.getFirst().placement().describe());
                    if (options.json()) {
                        run.forEach(r -> out.println(ResultFormat.json(r)));
                        out.flush();
                    }
                } catch (Exception | LinkageError e) {
                    // LinkageError: e.g. Aeron started without its JDK flag; report it and go on with the other runs.
                    failures++;
                    err.println("bench small: " + name + "/" + wait.label() + " failed: " + e);
                    for (Throwable s : e.getSuppressed()) {
                        err.println(s.getMessage());
                    }
                }
            }
        }
        human.println();
        human.print(ResultFormat.table(results));
        human.println("transports:");
        legend.forEach(human::println);
        human.println("rtt: round trip of one message, parent -> child -> parent, clock in the parent; throughput: one way, parent -> child,");
        human.printf("acknowledged per batch of %,d, the reader taking up to %d per poll (aeron: subscription.poll(handler, %d);%n",
                options.batchSize(), options.pollLimit(), options.pollLimit());
        human.printf("ring, socketpipe: receive, then poll(handler, %d); unix, tcp: one receive each, from a 64 KiB read buffer);%n",
                options.pollLimit() - 1);
        human.println("alloc B/msg: heap bytes per message on the parent/child thread while measuring.");
        warnAboutPlacement(results, human);
        human.flush();
        return failures == 0 ? 0 : 1;
    }

    /** Spin figures from processes that may share a CPU are not comparable; say so next to them. */
    private static void warnAboutPlacement(List<Result> results, PrintStream human) {
        boolean spinShared = results.stream().anyMatch(r -> r.waitMode() == WaitMode.SPIN && !r.placement().disjoint());
        if (spinShared) {
            human.println("note: spin runs were not pinned to separate CPUs; if the scheduler put both spinners on one vCPU");
            human.println("      their figures collapse (milliseconds). Use --pin on a machine with at least two free CPUs.");
        }
    }
}
