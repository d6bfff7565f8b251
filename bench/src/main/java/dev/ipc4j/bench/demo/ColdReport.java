package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ResultFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/** {@code demo --cold}'s results: per size and mode, medians and extremes over the fresh pairs. */
final class ColdReport {
    private ColdReport() {}

    /** A median with the extremes, in nanoseconds. */
    record Spread(long median, long min, long max) {
        static Spread of(List<ColdPair> pairs, ToLongFunction<ColdPair> value) {
            long[] v = pairs.stream().mapToLong(value).sorted().toArray();
            long median = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            return new Spread(median, v[0], v[v.length - 1]);
        }
    }

    /** One size in one mode over its runs. */
    record Row(long size, DemoMode mode, boolean aot, int runs, Spread rtt, Spread toMain, Spread toLogin, Spread toFirst) {}

    static List<Row> rows(List<ColdPair> pairs, DemoOptions options) {
        List<Row> rows = new ArrayList<>();
        for (long size : options.sizes()) {
            for (DemoMode mode : DemoMode.values()) {
                for (boolean aot : new boolean[] {false, true}) {
                    List<ColdPair> these = pairs.stream().filter(p -> p.size() == size && p.mode() == mode && p.aot() == aot).toList();
                    if (!these.isEmpty()) {
                        rows.add(new Row(size, mode, aot, these.size(), Spread.of(these, ColdPair::rtt),
                                Spread.of(these, ColdPair::toMain), Spread.of(these, ColdPair::toLogin), Spread.of(these, ColdPair::toFirst)));
                    }
                }
            }
        }
        return rows;
    }

    /** A JSON line: {@code "cold":true}, the first round trip in µs, the client's start to main, log-in and first in ms. */
    static String json(Row r) {
        return "{\"cold\":true,\"payload_bytes\":" + r.size() + ",\"mode\":" + ResultFormat.quote(r.mode().label())
                + ",\"stack\":\"message\",\"aot\":" + r.aot() + ",\"runs\":" + r.runs() + ",\"first_rtt_us\":" + spread(r.rtt(), 1e3)
                + ",\"start_to_main_ms\":" + spread(r.toMain(), 1e6) + ",\"start_to_login_ms\":" + spread(r.toLogin(), 1e6)
                + ",\"start_to_first_ms\":" + spread(r.toFirst(), 1e6) + "}";
    }

    private static String spread(Spread s, double unit) {
        return String.format(Locale.ROOT, "{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}", s.median() / unit, s.min() / unit,
                s.max() / unit);
    }

    static String table(List<Row> rows) {
        String format = "%-9s %-9s %-4s %4s %24s %24s %24s%n";
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, format, "payload", "mode", "aot", "runs",
                "first rtt ms (min-max)", "start->login ms", "start->first ms"));
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, format, ByteSizes.format(r.size()), r.mode().label(), r.aot() ? "yes" : "no",
                    r.runs(), ms(r.rtt()), ms(r.toLogin()), ms(r.toFirst())));
        }
        return b.toString();
    }

    private static String ms(Spread s) {
        return String.format(Locale.ROOT, "%.3f (%.2f-%.2f)", s.median() / 1e6, s.min() / 1e6, s.max() / 1e6);
    }
}
