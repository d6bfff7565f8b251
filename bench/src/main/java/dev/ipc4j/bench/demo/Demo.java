package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ToolCommand;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code ./ipc4j demo}: the main job. This JVM is the client; it starts the server JVM, measures zero-copy and copied
 * round trips for every payload size, on the whole stack ({@link MessageDemoRun}: session, message channel, FlatBuffers
 * codec; the default) or the raw transport ({@link TransportDemoRun}, {@code --stack transport}), and prints the
 * results: a table with speed-ups and the targets of issues 7 and 11, JSON lines with {@code --json}, an HTML report with {@code --html FILE}. Exit code 0 when every size ran and
 * every response verified, 1 when something failed, 2 for bad options.
 */
public final class Demo {
    private Demo() {}

    /** Runs {@code ./ipc4j demo ARGS} with its parser, printing to {@code out} and {@code err}; returns the exit code (tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return ToolCommand.execute(new DemoCommand(), out, err, args);
    }

    static int run(DemoOptions options, PrintStream out, PrintStream err) {
        // With --json, stdout carries only JSON lines (for tools); people read the table on stderr.
        PrintStream human = options.json() ? err : out;
        String description = options.stack() == DemoStack.MESSAGE ? MessageDemo.DESCRIPTION
                : "raw transport (below the session and message layers): " + ZeroCopyModes.named(options.zeroCopy()).description();
        double work = 0;
        for (long size : options.sizes()) {
            int zero = options.zeroCopyIterations(size);
            int copy = options.copyIterations(size);
            work += Progress.work(size, DemoMode.ZERO_COPY, zero + options.warmupFor(DemoMode.ZERO_COPY, zero))
                    + Progress.work(size, DemoMode.COPY, copy + options.warmupFor(DemoMode.COPY, copy));
        }
        Progress progress = new Progress(err, Progress.stderrIsTerminal(), work);
        long start = System.nanoTime();
        List<DemoResult> results;
        try {
            results = options.stack() == DemoStack.MESSAGE ? MessageDemoRun.run(options, progress) : TransportDemoRun.run(options, progress);
        } catch (Exception e) {
            progress.finish();
            err.println("demo: failed: " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                err.println(s.getMessage());
            }
            return 1;
        } finally {
            progress.finish();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (options.json()) {
            results.forEach(r -> out.println(DemoReport.json(r)));
            out.flush();
        }
        human.println();
        human.print(DemoReport.table(results));
        human.printf("zero-copy (stack %s): %s%n", options.stack().label(), description);
        human.println("copy (stack transport): a message of the same payload size (16 KiB parts with hashes, raw parts layout) written into a Unix stream socket by the server, read into the client's own buffer.");
        human.printf("rtt: client sends a request, clock stops when it holds the response's root (zero-copy) or has every byte (copy);%n");
        human.printf("wait: zero-copy %s in both processes; copy always blocking socket I/O.%n",
                options.waitMode().describe());
        human.println("speed-up = copy p50 / zero-copy p50. Every part verified by hash outside the clock.");
        List<String> targets = DemoReport.targets(results);
        if (!targets.isEmpty()) {
            human.println("targets (issues 7 and 11):");
            targets.forEach(t -> human.println("  " + t));
        }
        human.printf("run took %.1f s%n", seconds);
        human.flush();
        if (options.html() != null) {
            try {
                Files.writeString(options.html(), HtmlReport.html(results, options, description, targets));
                err.println("demo: wrote " + options.html());
            } catch (IOException e) {
                err.println("demo: could not write " + options.html() + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }
}
