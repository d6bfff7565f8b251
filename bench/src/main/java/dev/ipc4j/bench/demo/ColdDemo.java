package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.FileTrees;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * <p>Each run measures every size and mode twice, in pairs started as they are today and in pairs started with the
 * JDK's ahead-of-time cache ({@code -XX:AOTCache}, JEP 483/514/515: classes loaded and linked, lambdas resolved,
 * method profiles), one for the client and one for the server, trained first in this run by one fresh pair running
 * both modes with {@code -XX:AOTCacheOutput}: no cache is installed by hand, and none outlives the run.
 */
final class ColdDemo {
    private static final String CLIENT = "client.aot";
    private static final String SERVER = "server.aot";

    private ColdDemo() {}

    static int run(DemoOptions options, PrintStream out, PrintStream err) {
        PrintStream human = options.json() ? err : out;
        List<ColdPair> pairs = new ArrayList<>();
        long start = System.nanoTime();
        Path aot = null;
        try {
            String without = directoryOnPaths();
            if (without != null) {
                err.println("demo --cold: no ahead-of-time cache rows: " + without);
            } else {
                aot = Files.createTempDirectory("ipc4j-aot-");
                long smallest = options.sizes().stream().mapToLong(Long::longValue).min().orElseThrow();
                err.println("demo --cold: training the ahead-of-time caches: a fresh pair running both modes at "
                        + ByteSizes.format(smallest) + ", recorded (-XX:AOTCacheOutput)");
                err.flush();
                train(options.firstRoundTrip(smallest), aot);
            }
            for (int run = 1; run <= options.runs(); run++) {
                for (long size : options.sizes()) {
                    for (DemoMode mode : DemoMode.values()) {
                        for (Path cache : aot == null ? new Path[] {null} : new Path[] {null, aot}) {
                            err.printf("demo --cold: run %d of %d, %s %s%s: a fresh server and client%n", run, options.runs(),
                                    ByteSizes.format(size), mode.label(), cache == null ? "" : " (AOT cache)");
                            err.flush();
                            pairs.add(pair(options.firstRoundTrip(size), size, mode, cache));
                        }
                    }
                }
            }
        } catch (Exception e) {
            err.println("demo: failed: " + e.getMessage());
            for (Throwable s : e.getSuppressed()) {
                err.println(s.getMessage());
            }
            return 1;
        } finally {
            if (aot != null) {
                try {
                    FileTrees.delete(aot);
                } catch (IOException e) {
                    err.println("demo: could not remove " + aot + ": " + e.getMessage());
                }
            }
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
        human.println("aot: both JVMs of the pair started with an ahead-of-time cache (-XX:AOTCache) trained in this run;"
                + " the other rows start as they do without one.");
        human.printf("run took %.1f s%n", (System.nanoTime() - start) / 1e9);
        human.flush();
        return 0;
    }

    /**
     * One fresh pair: the server started and ready, then the client started, timed, and both gone. With {@code aot},
     * both start with the caches {@link #train} wrote there.
     */
    private static ColdPair pair(DemoOptions one, long size, DemoMode mode, Path aot) throws Exception {
        long[] first = pair(one, size, mode.name(), aot == null ? List.of() : List.of("-XX:AOTCache=" + aot.resolve(SERVER)),
                aot == null ? List.of() : List.of("-XX:AOTCache=" + aot.resolve(CLIENT)));
        return new ColdPair(size, mode, aot != null, first[0], first[1], first[2]);
    }

    /**
     * Why this JVM's pairs cannot have an ahead-of-time cache, or null: the JDK makes one only of jars, and a test's
     * class path has directories (./ipc4j runs everything from jars).
     */
    static String directoryOnPaths() {
        for (String property : new String[] {"java.class.path", "jdk.module.path"}) {
            for (String entry : System.getProperty(property, "").split(java.io.File.pathSeparator)) {
                Path path = Path.of(entry);
                // On the module path a directory of jars is fine; an exploded module (module-info.class) is not.
                boolean classes = property.equals("java.class.path") || Files.isRegularFile(path.resolve("module-info.class"));
                if (!entry.isEmpty() && Files.isDirectory(path) && classes) {
                    return "the JDK makes an AOT cache of jars only, and " + entry + " is a directory of classes"
                            + " (./ipc4j runs from jars)";
                }
            }
        }
        return null;
    }

    /** A pair running both modes with its JVMs recording ahead-of-time caches into {@code aot}, written as they exit. */
    private static void train(DemoOptions one, Path aot) throws Exception {
        pair(one, one.sizes().getFirst(), "ALL", List.of("-XX:AOTCacheOutput=" + aot.resolve(SERVER)),
                List.of("-XX:AOTCacheOutput=" + aot.resolve(CLIENT)));
        for (String cache : List.of(SERVER, CLIENT)) {
            if (!Files.isRegularFile(aot.resolve(cache))) {
                throw new IOException("the training pair wrote no ahead-of-time cache " + cache + " (does this JDK have -XX:AOTCacheOutput?)");
            }
        }
    }

    private static long[] pair(DemoOptions one, long size, String mode, List<String> serverFlags, List<String> clientFlags)
            throws Exception {
        return ServerChild.run(one, serverFlags, MessageDemoServer.class, MessageDemoRun.serverArgs(one), (ready, workDir, deadline) -> {
            long started = System.nanoTime();
            try (ChildJvm client = ChildJvm.start(List.of(), ServerChild.flags(one), clientFlags, ColdClient.class,
                    List.of(Long.toString(started), workDir.toString(), Long.toString(size), mode, one.waitMode().label(),
                            Long.toString(one.timeout().toSeconds())), workDir.resolve("client.stderr"))) {
                String[] first = client.expect("FIRST", deadline).split(" ");
                client.awaitExit(deadline);
                if (first.length != 3) {
                    throw new IOException("the cold client said FIRST " + String.join(" ", first));
                }
                return new long[] {Long.parseLong(first[0]), Long.parseLong(first[1]), Long.parseLong(first[2])};
            }
        });
    }
}
