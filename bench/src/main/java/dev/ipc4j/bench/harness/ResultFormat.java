package dev.ipc4j.bench.harness;

import java.util.List;
import java.util.Locale;

/**
 * The two outputs of {@code bench small}: one JSON object per line per result (the shape issue 7 fixes for every
 * benchmark of ipc4j, plus {@code msgs_per_s} for throughput), and a table for people.
 *
 * <p>JSON fields: {@code transport}, {@code wait} ({@code spin}|{@code block}), {@code test}
 * ({@code pingpong}|{@code throughput}), {@code payload_bytes}, {@code iterations} (measured round trips or messages),
 * {@code rtt_us} {p50, p90, p99, max} for ping-pong, {@code msgs_per_s} for throughput, {@code alloc_bytes_per_msg}
 * {parent, child} (null where the JVM does not count), {@code placement} {parent_pid, parent_cpus, child_pid,
 * child_cpus, pinned}.
 */
public final class ResultFormat {
    private ResultFormat() {}

    public static String json(Result r) {
        StringBuilder b = new StringBuilder(320);
        b.append('{');
        field(b, "transport").append(quote(r.transport())).append(',');
        field(b, "wait").append(quote(r.waitMode().label())).append(',');
        field(b, "test").append(quote(r.test().label())).append(',');
        field(b, "payload_bytes").append(r.payloadBytes()).append(',');
        field(b, "iterations").append(r.iterations()).append(',');
        if (r.rtt() != null) {
            LatencyStats s = r.rtt();
            field(b, "rtt_us").append('{');
            field(b, "p50").append(micros(s.p50())).append(',');
            field(b, "p90").append(micros(s.p90())).append(',');
            field(b, "p99").append(micros(s.p99())).append(',');
            field(b, "max").append(micros(s.max())).append("},");
        } else {
            field(b, "msgs_per_s").append(Math.round(r.msgsPerSecond())).append(',');
        }
        field(b, "alloc_bytes_per_msg").append('{');
        field(b, "parent").append(number(r.parentAllocBytesPerMessage())).append(',');
        field(b, "child").append(number(r.childAllocBytesPerMessage())).append("},");
        Placement p = r.placement();
        field(b, "placement").append('{');
        field(b, "parent_pid").append(p.parentPid()).append(',');
        field(b, "parent_cpus").append(quote(p.parentCpus())).append(',');
        field(b, "child_pid").append(p.childPid()).append(',');
        field(b, "child_cpus").append(quote(p.childCpus())).append(',');
        field(b, "pinned").append(p.pinned()).append('}');
        return b.append('}').toString();
    }

    /** A fixed-width table, one row per result, figures in microseconds and messages per second. */
    public static String table(List<Result> results) {
        StringBuilder b = new StringBuilder();
        String format = "%-10s %-6s %-11s %10s %10s %10s %10s %10s %13s %11s%n";
        b.append(String.format(Locale.ROOT, format, "transport", "wait", "test", "count", "p50 us", "p90 us", "p99 us", "max us",
                "msgs/s", "alloc B/msg"));
        for (Result r : results) {
            LatencyStats s = r.rtt();
            b.append(String.format(Locale.ROOT, format, r.transport(), r.waitMode().label(), r.test().label(), r.iterations(),
                    s == null ? "" : micros(s.p50()), s == null ? "" : micros(s.p90()), s == null ? "" : micros(s.p99()),
                    s == null ? "" : micros(s.max()), s == null ? String.format(Locale.ROOT, "%,d", Math.round(r.msgsPerSecond())) : "",
                    allocation(r)));
        }
        return b.toString();
    }

    /** Nanoseconds as microseconds with three decimals (HdrHistogram keeps three significant digits). */
    public static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1000.0);
    }

    private static String allocation(Result r) {
        return shortNumber(r.parentAllocBytesPerMessage()) + "/" + shortNumber(r.childAllocBytesPerMessage());
    }

    private static String shortNumber(double v) {
        return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String number(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static StringBuilder field(StringBuilder b, String name) {
        return b.append('"').append(name).append("\":");
    }

    public static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
