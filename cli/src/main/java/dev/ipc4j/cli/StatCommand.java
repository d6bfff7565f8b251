package dev.ipc4j.cli;

import static dev.ipc4j.bench.harness.ResultFormat.quote;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.counters.CountersReader;
import dev.ipc4j.counters.Field;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ipc4j stat}: the live counters of running ipc4j processes (servers, sessions, channels, arenas), read from
 * their counters files without stopping or slowing them. In a terminal the table is redrawn in place every interval,
 * totals with their rate per second; {@code --json} prints one JSON object per interval, for scripts.
 */
@Command(name = "stat", description = "Show the live counters of running ipc4j processes: totals, rates per second, gauges.")
final class StatCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @Parameters(arity = "0..1", paramLabel = "APP", description = "Only this app's processes (default: every app).")
    private String app;

    @Option(names = "--json", description = "Print one JSON object per interval (one line each) instead of a table.")
    private boolean json;

    @Option(names = "--interval", paramLabel = "MS", defaultValue = "1000",
            description = "Milliseconds between two reads (default: ${DEFAULT-VALUE}).")
    private long intervalMillis;

    @Option(names = "--count", paramLabel = "N",
            description = "Reads to make, then exit (default: until interrupted; 1 with --json).")
    private Integer count;

    /** A record across reads: the same slot and generation is the same object. */
    private record Key(long pid, int index, int generation) {}

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (intervalMillis < 10) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 10 ms");
        }
        int reads = count != null ? count : json ? 1 : Integer.MAX_VALUE;
        if (reads < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--count must be positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean redraw = !json && System.console() != null && System.console().isTerminal() && count == null;
        Map<Key, CountersReader.Entry> previous = new HashMap<>();
        long previousNanos = 0;
        for (int i = 0; i < reads; i++) {
            if (i > 0) {
                Thread.sleep(intervalMillis);
            }
            List<CountersReader.Snapshot> snapshots = read();
            long now = System.nanoTime();
            double seconds = previous.isEmpty() ? 0 : (now - previousNanos) / 1e9;
            if (json) {
                out.println(json(snapshots, previous, seconds));
            } else {
                if (redraw) {
                    out.print("\033[H\033[2J"); // home and clear: the table is redrawn in place
                }
                table(out, snapshots, previous, seconds);
            }
            out.flush();
            if (out.checkError()) {
                return 0; // whoever read us is gone (a pipe closed): nobody to show more to
            }
            previous.clear();
            for (CountersReader.Snapshot s : snapshots) {
                for (CountersReader.Entry e : s.records()) {
                    previous.put(new Key(s.source().pid(), e.index(), e.generation()), e);
                }
            }
            previousNanos = now;
        }
        return 0;
    }

    /** Every counters file of the app (or all), read now; one that vanished or does not read is skipped. */
    private List<CountersReader.Snapshot> read() throws IOException {
        List<CountersReader.Snapshot> snapshots = new ArrayList<>();
        for (CountersReader.Source source : CountersReader.find(Optional.ofNullable(app))) {
            try {
                snapshots.add(CountersReader.read(source));
            } catch (IOException gone) {
                spec.commandLine().getErr().println("skipped " + source.app() + " pid " + source.pid() + ": " + gone.getMessage());
            }
        }
        return snapshots;
    }

    /** The rate per second of a total since the previous read, or NaN when there is none to compare with. */
    private static double rate(CountersReader.Snapshot s, CountersReader.Entry e, Field f,
            Map<Key, CountersReader.Entry> previous, double seconds) {
        CountersReader.Entry before = previous.get(new Key(s.source().pid(), e.index(), e.generation()));
        if (before == null || seconds <= 0 || f.gauge()) {
            return Double.NaN;
        }
        return (e.value(f) - before.value(f)) / seconds;
    }

    private static void table(PrintWriter out, List<CountersReader.Snapshot> snapshots,
            Map<Key, CountersReader.Entry> previous, double seconds) {
        if (snapshots.isEmpty()) {
            out.println("no running ipc4j process with counters" + " (a process shows here while it has a server or session open)");
            return;
        }
        for (CountersReader.Snapshot s : snapshots) {
            out.printf("%s  pid %d  up %ds%s%n", s.source().app(), s.source().pid(),
                    Math.max(0, (System.currentTimeMillis() - s.startedMillis()) / 1000),
                    s.overflow() > 0 ? "  (" + s.overflow() + " records found no room)" : "");
            for (CountersReader.Entry e : s.records()) {
                out.printf("  %s%-8s %-36s", "  ".repeat(depth(s, e)), e.type().key(), e.label());
                StringBuilder line = new StringBuilder();
                for (Field f : e.type().fields()) {
                    long v = e.value(f);
                    double r = rate(s, e, f, previous, seconds);
                    if (v == 0 && (Double.isNaN(r) || r == 0)) {
                        continue; // quiet: a value never touched says nothing
                    }
                    line.append("  ").append(f.key()).append(' ').append(String.format(Locale.ROOT, "%,d", v));
                    if (!Double.isNaN(r)) {
                        line.append(String.format(Locale.ROOT, " (%,.0f/s)", r));
                    }
                }
                out.println(line);
            }
        }
    }

    /** How deep {@code e} sits under its parents (a channel under its session under its server: 2). */
    private static int depth(CountersReader.Snapshot s, CountersReader.Entry e) {
        int depth = 0;
        int parent = e.parent();
        while (parent >= 0 && depth < 8) {
            int p = parent;
            parent = s.records().stream().filter(r -> r.index() == p).mapToInt(CountersReader.Entry::parent).findFirst().orElse(-1);
            depth++;
        }
        return depth;
    }

    private static String json(List<CountersReader.Snapshot> snapshots, Map<Key, CountersReader.Entry> previous,
            double seconds) {
        StringBuilder b = new StringBuilder(256).append("{\"time\":").append(System.currentTimeMillis()).append(",\"processes\":[");
        for (int p = 0; p < snapshots.size(); p++) {
            CountersReader.Snapshot s = snapshots.get(p);
            b.append(p > 0 ? "," : "").append("{\"app\":").append(quote(s.source().app())).append(",\"pid\":").append(s.source().pid())
                    .append(",\"started\":").append(s.startedMillis()).append(",\"overflow\":").append(s.overflow()).append(",\"records\":[");
            for (int i = 0; i < s.records().size(); i++) {
                CountersReader.Entry e = s.records().get(i);
                b.append(i > 0 ? "," : "").append("{\"index\":").append(e.index()).append(",\"type\":").append(quote(e.type().key()))
                        .append(",\"id\":").append(e.id()).append(",\"parent\":").append(e.parent()).append(",\"label\":")
                        .append(quote(e.label())).append(",\"values\":{");
                StringBuilder rates = new StringBuilder();
                boolean first = true;
                for (Field f : e.type().fields()) {
                    b.append(first ? "" : ",").append(quote(f.key())).append(':').append(e.value(f));
                    double r = rate(s, e, f, previous, seconds);
                    if (!Double.isNaN(r)) {
                        rates.append(rates.isEmpty() ? "" : ",").append(quote(f.key())).append(':')
                                .append(String.format(Locale.ROOT, "%.1f", r));
                    }
                    first = false;
                }
                b.append('}');
                if (!rates.isEmpty()) {
                    b.append(",\"rates\":{").append(rates).append('}');
                }
                b.append('}');
            }
            b.append("]}");
        }
        return b.append("]}").toString();
    }
}
