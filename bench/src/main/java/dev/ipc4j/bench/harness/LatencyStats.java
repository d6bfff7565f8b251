package dev.ipc4j.bench.harness;

import org.HdrHistogram.Histogram;

/** Round-trip percentiles of one run, in nanoseconds. */
public record LatencyStats(long count, long p50, long p90, long p99, long max) {

    /** Longest round trip the histogram keeps exactly (longer ones are clamped to it, and still counted). */
    public static final long HIGHEST_NANOS = 60_000_000_000L;

    /** A histogram for round trips in nanoseconds: 3 significant digits, up to a minute. */
    public static Histogram newHistogram() {
        return new Histogram(1, HIGHEST_NANOS, 3);
    }

    public static LatencyStats of(Histogram histogram) {
        return new LatencyStats(histogram.getTotalCount(), histogram.getValueAtPercentile(50), histogram.getValueAtPercentile(90),
                histogram.getValueAtPercentile(99), histogram.getMaxValue());
    }
}
