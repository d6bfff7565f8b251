package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ResultFormat;
import java.util.List;
import java.util.Locale;

/**
 * {@code --html FILE}: one self-contained page (inline SVG and CSS, no scripts, no external fonts) with a log-log chart
 * of round trip versus payload size, a line per mode through the p50s and a bar from p90 to p99 at each point, then the
 * table of figures and the targets.
 */
public final class HtmlReport {
    private static final int WIDTH = 720;
    private static final int HEIGHT = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 30;
    private static final int TOP = 30;
    private static final int BOTTOM = 60;
    private static final String[] COLORS = {"#1f77b4", "#d62728"};

    private HtmlReport() {}

    public static String html(List<DemoResult> results, DemoOptions options, String zeroCopyDescription, List<String> targets) {
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ipc4j demo</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:60em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}th{background:#eee}")
                .append("svg text{font-family:sans-serif;font-size:12px}</style></head><body>\n")
                .append("<h1>ipc4j demo: round trip versus payload size</h1>\n<p>Stack: <b>").append(escape(options.stack().label()))
                .append("</b>. Wait strategy: <b>").append(escape(options.waitMode().label()))
                .append("</b>. Zero-copy: ").append(escape(zeroCopyDescription))
                .append(". Copy: a message of the same payload size (16 KiB parts with hashes, in the raw parts layout) written into a Unix stream socket and read into the client's own buffer.")
                .append(" The clock runs from the request until the client holds the response's root (zero-copy) or every byte (copy).</p>\n");
        b.append(svg(results)).append('\n');
        b.append("<table><tr><th>payload</th><th>mode</th><th>stack</th><th>count</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>max µs</th><th>speed-up</th></tr>\n");
        for (DemoResult r : results) {
            String speedUp = r.mode() == DemoMode.ZERO_COPY ? DemoReport.speedUp(results, r.payloadBytes()).map(DemoReport::times).orElse("") : "";
            b.append("<tr><td>").append(escape(ByteSizes.format(r.payloadBytes()))).append("</td><td>").append(r.mode().label())
                    .append("</td><td>").append(r.stack().label()).append("</td><td>").append(r.iterations()).append("</td><td>").append(ResultFormat.micros(r.rtt().p50()))
                    .append("</td><td>").append(ResultFormat.micros(r.rtt().p90())).append("</td><td>").append(ResultFormat.micros(r.rtt().p99()))
                    .append("</td><td>").append(ResultFormat.micros(r.rtt().max())).append("</td><td>").append(speedUp).append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (!targets.isEmpty()) {
            b.append("<h2>Targets (issues 7 and 11)</h2><ul>");
            targets.forEach(t -> b.append("<li>").append(escape(t)).append("</li>"));
            b.append("</ul>\n");
        }
        return b.append("</body></html>\n").toString();
    }

    /** The chart: x = payload bytes, y = round trip in µs, both logarithmic. */
    static String svg(List<DemoResult> results) {
        double minX = results.stream().mapToLong(DemoResult::payloadBytes).min().orElse(1);
        double maxX = results.stream().mapToLong(DemoResult::payloadBytes).max().orElse(2);
        double minY = results.stream().mapToDouble(r -> r.rtt().p50()).min().orElse(1000) / 1000.0;
        double maxY = results.stream().mapToDouble(r -> r.rtt().p99()).max().orElse(10_000) / 1000.0;
        // Whole decades on y; x padded so single points are not on the frame.
        double y0 = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, minY))));
        double y1 = Math.pow(10, Math.ceil(Math.log10(Math.max(y0 * 10, maxY))));
        double x0 = minX / 2;
        double x1 = maxX * 2;
        Axes axes = new Axes(x0, x1, y0, y1);
        StringBuilder b = new StringBuilder(8192);
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"round trip versus payload size\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>%n", LEFT, TOP,
                WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM));
        for (double y = y0; y <= y1 * 1.0001; y *= 10) {
            double py = axes.y(y);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>", LEFT, WIDTH - RIGHT, py, py));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, py + 4, micros(y)));
        }
        results.stream().mapToLong(DemoResult::payloadBytes).distinct().forEach(size -> {
            double px = axes.x(size);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>", px, px, TOP, HEIGHT - BOTTOM));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, HEIGHT - BOTTOM + 18,
                    escape(ByteSizes.format(size))));
        });
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">payload size (log)</text>%n",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 15));
        b.append(String.format(Locale.ROOT, "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">round trip (log)</text>%n",
                (TOP + HEIGHT - BOTTOM) / 2));
        DemoMode[] modes = DemoMode.values();
        for (int m = 0; m < modes.length; m++) {
            DemoMode mode = modes[m];
            String color = COLORS[m % COLORS.length];
            List<DemoResult> line = results.stream().filter(r -> r.mode() == mode).sorted((p, q) -> Long.compare(p.payloadBytes(), q.payloadBytes())).toList();
            if (line.isEmpty()) {
                continue;
            }
            StringBuilder points = new StringBuilder();
            for (DemoResult r : line) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", axes.x(r.payloadBytes()), axes.y(r.rtt().p50() / 1000.0)));
            }
            b.append(String.format(Locale.ROOT, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
                    mode.label(), color, points.toString().trim()));
            for (DemoResult r : line) {
                double px = axes.x(r.payloadBytes());
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"4\" opacity=\"0.35\"/>",
                        px, px, axes.y(r.rtt().p90() / 1000.0), axes.y(r.rtt().p99() / 1000.0), color));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s %s: p50 %s µs, p90 %s, p99 %s</title></circle>%n",
                        px, axes.y(r.rtt().p50() / 1000.0), color, escape(ByteSizes.format(r.payloadBytes())), mode.label(),
                        ResultFormat.micros(r.rtt().p50()), ResultFormat.micros(r.rtt().p90()), ResultFormat.micros(r.rtt().p99())));
            }
            int ly = TOP + 16 + 18 * m;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>", LEFT + 12, LEFT + 36, ly, ly, color));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s p50 (bar: p90 to p99)</text>%n", LEFT + 42, ly + 4, mode.label()));
        }
        return b.append("</svg>").toString();
    }

    private static String micros(double us) {
        if (us >= 1_000_000) {
            return String.format(Locale.ROOT, "%.0f s", us / 1_000_000);
        }
        if (us >= 1000) {
            return String.format(Locale.ROOT, "%.0f ms", us / 1000);
        }
        return us >= 1 ? String.format(Locale.ROOT, "%.0f µs", us) : String.format(Locale.ROOT, "%.2f µs", us);
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Maps data to pixels on logarithmic axes. */
    private record Axes(double x0, double x1, double y0, double y1) {
        double x(double bytes) {
            return LEFT + (WIDTH - LEFT - RIGHT) * (Math.log(bytes / x0) / Math.log(x1 / x0));
        }

        double y(double micros) {
            double clamped = Math.max(y0, Math.min(y1, micros));
            return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * (Math.log(clamped / y0) / Math.log(y1 / y0));
        }
    }
}
