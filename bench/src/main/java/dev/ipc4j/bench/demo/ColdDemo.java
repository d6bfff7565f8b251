package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildJvm;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./ipc4j demo --cold}: Flow-IPC's methodology (its perf_demo times one request per freshly started
 * server/client pair). Per run, size and mode: a fresh server JVM ({@link MessageDemoServer}) and a fresh client JVM
 * ({@link ColdClient}) on the whole stack (session log-in, message channel, FlatBuffers codec); the server builds the
 * response (not timed), the client times its first and only round trip, zero-copy or, in a pair of its own, copied.
 * Reported per size and mode over the runs: the first round trip's median and extremes, and the time from starting
 * the client process to that round trip done (its JVM start, log-in and the round trip; the build is left out, as a
 * real server has its data before a request comes).
 */
final class ColdDemo {
    private ColdDemo() {}

    static int run(DemoOptions options, PrintStream out, PrintStream err) {
        PrintStream human = options.json() ? err : out;
        List<ColdPair> pairs = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int run = 1; run <= options.runs(); run++) {
                for (long size : options.sizes()) {
                    for (DemoMode mode : DemoMode.values()) {
                        err.printf("demo --cold: run %d of %d, %s %s: a fresh server and client%n", run, options.runs(),
                                ByteSizes.format(size), mode.label());
                        err.flush();
                        pairs.add(pair(options.firstRoundTrip(size), size, mode));
                    }
                }
            }
        } catch (Exception e) {
            err.println("demo: failed: " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                err.println(s.getMessage());
            }
            return 1;
        }
        List<ColdReport.Row> rows = ColdReport.rows(pairs, options);
        if (options.json()) {
            rows.forEach(r -> out.println(ColdReport.json(r)));
            out.flush();
        }
        human.println();
        human.print(ColdReport.table(rows));
        human.println("cold: each row's runs are fresh pairs of JVMs (server and client), one round trip each, its first;"
                + " zero-copy on the whole stack (session, message channel, FlatBuffers codec), copied over a Unix socket.");
        human.println("first rtt: the clock starts at the request and stops when the client holds the response's root"
                + " (zero-copy) or has every byte (copy); every part verified by hash after it.");
        human.println("start->first: from starting the client process to that round trip done: its JVM's start, the log-in"
                + " (session and both channels), the round trip; not the server's building of the response.");
        human.printf("run took %.1f s%n", (System.nanoTime() - start) / 1e9);
        human.flush();
        return 0;
    }

    /** One fresh pair: the server started and ready, then the client started, timed, and both gone. */
    private static ColdPair pair(DemoOptions one, long size, DemoMode mode) throws Exception {
        return ServerChild.run(one, MessageDemoServer.class, MessageDemoRun.serverArgs(one), (ready, workDir, deadline) -> {
            long started = System.nanoTime();
            try (ChildJvm client = ChildJvm.start(List.of(), ServerChild.flags(one), ColdClient.class,
                    List.of(Long.toString(started), workDir.toString(), Long.toString(size), mode.name(), one.waitMode().label(),
                            Long.toString(one.timeout().toSeconds())), workDir.resolve("client.stderr"))) {
                String[] first = client.expect("FIRST", deadline).split(" ");
                client.awaitExit(deadline);
                if (first.length != 3) {
                    throw new IOException("the cold client said FIRST " + String.join(" ", first));
                }
                return new ColdPair(size, mode, Long.parseLong(first[0]), Long.parseLong(first[1]), Long.parseLong(first[2]));
            }
        });
    }
}
