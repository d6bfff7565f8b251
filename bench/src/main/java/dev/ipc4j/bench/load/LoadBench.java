package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.WaitMode;

import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.Deadlines;
import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.ResultFormat;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * {@code ./ipc4j bench load}: one server process ({@link LoadServer}) and N client processes ({@link LoadClient}), all
 * child JVMs of this one, which only coordinates, samples the server's {@code /proc} figures and reports.
 *
 * <p>Sequence: start the server, wait for READY, sample it ("before"); start the clients, wait until every one is
 * connected (READY), send each GO; while they run, sample the server every 100 ms and keep the largest figures
 * ("peak"); collect every client's DONE (counts and its HdrHistogram), sample the server again with all sessions open
 * and idle ("loaded"); close the clients' stdin (they close their sessions and exit), wait until the server reports all
 * sessions ended and sample it ("after"); close the server's stdin and collect its counts. Every wait is a line from a
 * child or a process exit, bounded by the run's deadline; a watchdog kills every child past it. Nothing is left: the
 * children are reaped whatever happens, and after a failed run whatever a killed child left in /dev/shm or the run
 * directory is removed.
 */
public final class LoadBench {
    static final ClientApp CLIENT = ClientApp.named("loadclient").build();
    /** Issue 11's targets for 16 clients: 5x the 1.7-2.0 k requests/s of a first try on today's main, p99 <= 20 ms. */
    static final double TARGET_REQUESTS_PER_SECOND = 10_000;
    static final double TARGET_P99_MICROS = 20_000;

    private LoadBench() {}

    static ServerApp server(Path runDir) {
        return ServerApp.named("benchload").allowing(CLIENT).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    /** The library's defaults but for the rings' wait strategy, on both sides. */
    static SessionConfig sessionConfig(String wait) {
        return WaitMode.parse(wait).sessionConfig();
    }

    static SessionServer.Config serverConfig(String wait) {
        return SessionServer.Config.DEFAULT.withSession(sessionConfig(wait));
    }

    /** What one run found. */
    record Report(LoadOptions options, long serverPid, List<Long> clientPids, Map<String, Long> clientCounts,
            Map<String, String> serverCounts, double seconds, LatencyStats rtt, ProcStats before, ProcStats peak,
            ProcStats loaded, ProcStats after) {
        long sent() {
            return clientCounts.get("sent");
        }

        long answered() {
            return clientCounts.get("answered");
        }

        long verified() {
            return clientCounts.get("verified");
        }

        long serverReceived() {
            return Long.parseLong(serverCounts.get("received"));
        }

        long serverVerified() {
            return Long.parseLong(serverCounts.get("verified"));
        }

        /** Answered requests of the timed part, all clients, per second of the longest client's timed part. */
        double requestsPerSecond() {
            return clientCounts.get("measured") / seconds;
        }

        /** Every request sent was answered, every answer and every request checked out, and the server saw them all. */
        boolean nothingLost() {
            return sent() > 0 && sent() == answered() && answered() == verified() && clientCounts.get("lost") == 0
                    && clientCounts.get("bad") == 0 && serverReceived() == sent() && serverVerified() == sent()
                    && "0".equals(serverCounts.get("bad")) && "0".equals(serverCounts.get("errors"));
        }
    }

    /**
     * One run in {@code runDir} (a private directory; this run's files go in a directory of their own inside it, removed
     * at the end); returns the exit code: 0 when it completed with nothing lost or damaged.
     */
    public static int run(LoadOptions options, Path runDir, PrintStream out, PrintStream err) {
        PrintStream human = options.json() ? err : out;
        Report report;
        try {
            report = measure(options, runDir, err);
        } catch (Exception e) {
            err.println("bench load: failed: " + e);
            for (Throwable s : e.getSuppressed()) {
                err.println(s.getMessage());
            }
            return 1;
        }
        if (options.json()) {
            out.println(json(report));
            out.flush();
        }
        human.print(text(report));
        human.flush();
        return report.nothingLost() ? 0 : 1;
    }

    private static Report measure(LoadOptions options, Path parent, PrintStream err) throws Exception {
        long deadline = Deadlines.after(options.timeout());
        Path dir = Files.createTempDirectory(parent, "load-");
        List<ChildJvm> children = new ArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("bench-load-timer").unstarted(r));
        boolean clean = false;
        Set<Long> pids = new HashSet<>();
        try {
            timer.schedule(() -> {
                synchronized (children) {
                    children.forEach(c -> c.process().destroyForcibly()); // wakes every wait below with an error
                }
            }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            String timeoutSeconds = Long.toString(options.timeout().toSeconds());
            ChildJvm server = ChildJvm.start(List.of(), LoadServer.class, List.of(dir.toString(), options.waitName(), timeoutSeconds),
                    dir.resolve("server.stderr"));
            synchronized (children) {
                children.add(server);
            }
            pids.add(server.pid());
            try {
                server.expect("READY", deadline);
                ProcStats before = ProcStats.of(server.pid());
                err.printf("bench load: server %d up (%d threads, %,d KiB RSS, %d fds); starting %d clients...%n", server.pid(),
                        before.threads(), before.rssKib(), before.fds(), options.clients());
                List<ChildJvm> clients = new ArrayList<>();
                for (int i = 0; i < options.clients(); i++) {
                    ChildJvm client = ChildJvm.start(List.of(), LoadClient.class, List.of(dir.toString(), options.waitName(),
                            Integer.toString(i), Integer.toString(options.seconds()), Integer.toString(options.minRequests()),
                            Integer.toString(options.largeBytes()), Long.toString(options.requestTimeout().toSeconds()), timeoutSeconds,
                            Integer.toString(options.warmupSeconds())),
                            dir.resolve("client-" + i + ".stderr"));
                    synchronized (children) {
                        children.add(client);
                    }
                    clients.add(client);
                    pids.add(client.pid());
                }
                for (ChildJvm client : clients) {
                    client.expect("READY", deadline);
                }
                err.printf("bench load: %d clients connected; %d s of warm-up, %d s of measured requests...%n", clients.size(),
                        options.warmupSeconds(), options.seconds());
                AtomicReference<ProcStats> peak = new AtomicReference<>(before);
                timer.scheduleAtFixedRate(() -> {
                    try {
                        ProcStats now = ProcStats.of(server.pid());
                        peak.accumulateAndGet(now, ProcStats::max);
                    } catch (IOException | RuntimeException e) {
                        // the server is gone; the waits below report it
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                for (ChildJvm client : clients) {
                    OutputStream in = client.process().getOutputStream();
                    in.write("GO\n".getBytes(StandardCharsets.US_ASCII));
                    in.flush();
                }
                Map<String, Long> counts = new LinkedHashMap<>();
                Histogram merged = LatencyStats.newHistogram();
                long longest = 0;
                for (ChildJvm client : clients) {
                    Map<String, String> done = fields(client.expect("DONE", deadline));
                    for (String key : List.of("sent", "answered", "verified", "bad", "lost", "measured", "small", "large_response",
                            "large_request")) {
                        counts.merge(key, Long.parseLong(done.get(key)), Long::sum);
                    }
                    if (done.containsKey("first_problem")) {
                        err.println("bench load: client " + client.pid() + ": " + done.get("first_problem").replace('_', ' '));
                    }
                    longest = Math.max(longest, Long.parseLong(done.get("elapsed_ns")));
                    merged.add(LoadClient.decode(done.get("hist")));
                }
                ProcStats loaded = ProcStats.of(server.pid());
                peak.accumulateAndGet(loaded, ProcStats::max);
                for (ChildJvm client : clients) {
                    client.process().getOutputStream().close(); // the client closes its session and exits
                }
                for (ChildJvm client : clients) {
                    client.awaitExit(deadline);
                }
                String ended;
                do {
                    ended = server.expect("ENDED", deadline);
                } while (Integer.parseInt(ended) < clients.size());
                ProcStats after = ProcStats.of(server.pid());
                server.process().getOutputStream().close();
                Map<String, String> serverCounts = fields(server.expect("DONE", deadline));
                if (serverCounts.containsKey("first_problem")) {
                    err.println("bench load: server: " + serverCounts.get("first_problem").replace('_', ' '));
                }
                server.awaitExit(deadline);
                clean = true;
                return new Report(options, server.pid(), clients.stream().map(ChildJvm::pid).toList(), counts, serverCounts,
                        longest / 1e9, LatencyStats.of(merged), before, peak.get(), loaded, after);
            } catch (Exception e) {
                StringBuilder tails = new StringBuilder();
                synchronized (children) {
                    for (ChildJvm c : children) {
                        tails.append(c.stderrTail().replace("--- child stderr ---", "--- child " + c.pid() + " stderr ---"));
                    }
                }
                e.addSuppressed(new IOException("children:" + tails));
                throw e;
            }
        } finally {
            timer.shutdownNow();
            IOException closing = null;
            synchronized (children) {
                for (ChildJvm c : children.reversed()) {
                    try {
                        c.close(); // kills it if still there, and reaps it
                    } catch (IOException e) {
                        closing = e;
                    }
                }
            }
            if (!clean) {
                // a killed child cannot clean up: remove what it left in /dev/shm (its objects carry its pid)
                ShmSweeper.sweep(new ShmSweeper.Places(ShmSweeper.SHM_DIRECTORY, dir), false, f -> pids.contains(f.ownerPid()));
            }
            FileTrees.delete(dir);
            if (closing != null) {
                throw closing;
            }
        }
    }

    /** {@code key=value} words of a child's line. */
    static Map<String, String> fields(String line) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String word : line.trim().split(" +")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                map.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return map;
    }

    static String json(Report r) {
        LatencyStats s = r.rtt();
        Map<String, Long> c = r.clientCounts();
        return "{\"bench\":\"load\",\"test\":\"mixed\",\"stack\":\"message\",\"wait\":" + ResultFormat.quote(r.options().waitName())
                + ",\"clients\":" + r.options().clients() + ",\"warmup_seconds\":" + r.options().warmupSeconds()
                + ",\"seconds\":" + String.format(Locale.ROOT, "%.3f", r.seconds())
                + ",\"payload_bytes\":{\"small\":" + LoadProtocol.SMALL_BYTES + ",\"large\":" + r.options().largeBytes() + "}"
                + ",\"requests\":{\"sent\":" + c.get("sent") + ",\"answered\":" + c.get("answered") + ",\"verified\":"
                + c.get("verified") + ",\"lost\":" + c.get("lost") + ",\"bad\":" + c.get("bad") + ",\"measured\":" + c.get("measured")
                + ",\"small\":" + c.get("small")
                + ",\"large_response\":" + c.get("large_response") + ",\"large_request\":" + c.get("large_request") + "}"
                + ",\"server_requests\":{\"received\":" + r.serverReceived() + ",\"verified\":" + r.serverVerified() + ",\"bad\":"
                + r.serverCounts().get("bad") + ",\"closed\":" + r.serverCounts().get("closed") + ",\"errors\":"
                + r.serverCounts().get("errors") + "}"
                + ",\"nothing_lost\":" + r.nothingLost()
                + ",\"req_per_s\":" + Math.round(r.requestsPerSecond())
                + ",\"iterations\":" + s.count()
                + ",\"rtt_us\":{\"p50\":" + ResultFormat.micros(s.p50()) + ",\"p90\":" + ResultFormat.micros(s.p90()) + ",\"p99\":"
                + ResultFormat.micros(s.p99()) + ",\"max\":" + ResultFormat.micros(s.max()) + "}"
                + ",\"server\":{\"pid\":" + r.serverPid() + ",\"before\":" + r.before().json() + ",\"peak\":" + r.peak().json()
                + ",\"loaded\":" + r.loaded().json() + ",\"after\":" + r.after().json() + "}"
                + ",\"client_pids\":" + r.clientPids() + "}";
    }

    static String text(Report r) {
        StringBuilder b = new StringBuilder();
        Map<String, Long> c = r.clientCounts();
        LatencyStats s = r.rtt();
        b.append(String.format(Locale.ROOT, "bench load: %d clients x %d s after %d s of warm-up, wait %s; of every 20 requests 13 are 64 B both ways,"
                + " 5 get a %,d-byte response, 2 send a %,d-byte request%n", r.options().clients(), r.options().seconds(),
                r.options().warmupSeconds(), r.options().waitName(), r.options().largeBytes(), r.options().largeBytes()));
        b.append(String.format(Locale.ROOT, "requests    sent %,d  answered %,d  verified %,d  lost %d  bad %d  (warm-up included;"
                + " verified: small %,d, large responses %,d, large requests %,d)%n", c.get("sent"), c.get("answered"),
                c.get("verified"), c.get("lost"), c.get("bad"), c.get("small"), c.get("large_response"), c.get("large_request")));
        b.append(String.format(Locale.ROOT, "server      received %,d  verified %,d  bad %s  replied %,d  errors %s%n",
                r.serverReceived(), r.serverVerified(), r.serverCounts().get("bad"), Long.parseLong(r.serverCounts().get("replied")),
                r.serverCounts().get("errors")));
        b.append(String.format(Locale.ROOT, "throughput  %,.0f requests/s (%,d answered after the warm-up, all clients, over the"
                + " longest client's %.2f s)%n", r.requestsPerSecond(), c.get("measured"), r.seconds()));
        b.append(String.format(Locale.ROOT, "rtt us      p50 %s  p90 %s  p99 %s  max %s  (%,d round trips after the warm-up, all clients)%n",
                ResultFormat.micros(s.p50()), ResultFormat.micros(s.p90()), ResultFormat.micros(s.p99()), ResultFormat.micros(s.max()),
                s.count()));
        b.append(String.format(Locale.ROOT, "server %-7d %8s %12s %6s%n", r.serverPid(), "threads", "RSS KiB", "fds"));
        row(b, "before", r.before(), "listening, no session");
        row(b, "peak", r.peak(), "largest seen during the load (sampled every 100 ms)");
        row(b, "loaded", r.loaded(), "right after the load, every session open");
        row(b, "after", r.after(), "every session ended");
        boolean lost = !r.nothingLost();
        b.append(String.format(Locale.ROOT, "nothing lost: %s%n", lost ? "NO (see the counts above)" : "yes"));
        double rps = r.requestsPerSecond();
        double p99 = s.p99() / 1000.0;
        String scope = r.options().clients() == 16 ? "" : " (the targets are stated for 16 clients)";
        b.append(String.format(Locale.ROOT, "target (issue 11): >= %,.0f requests/s (5x the 1.7-2.0 k of a first try): %,.0f, %s%n",
                TARGET_REQUESTS_PER_SECOND, rps, rps >= TARGET_REQUESTS_PER_SECOND ? "met" : "NOT met"));
        b.append(String.format(Locale.ROOT, "target (issue 11): p99 <= 20 ms: %.1f ms, %s; nothing lost: %s%s%n", p99 / 1000,
                p99 <= TARGET_P99_MICROS ? "met" : "NOT met", lost ? "NOT met" : "met", scope));
        return b.toString();
    }

    private static void row(StringBuilder b, String name, ProcStats p, String what) {
        b.append(String.format(Locale.ROOT, "  %-11s %8d %,12d %6d  %s%n", name, p.threads(), p.rssKib(), p.fds(), what));
    }
}
