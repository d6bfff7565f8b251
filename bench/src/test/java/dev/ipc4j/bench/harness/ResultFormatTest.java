package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ResultFormatTest {
    private static final Placement PLACEMENT = new Placement(10, "0", 11, "1", true);

    @Test
    void percentilesComeFromTheHistogram() {
        Histogram histogram = LatencyStats.newHistogram();
        for (long micros = 1; micros <= 1000; micros++) {
            histogram.recordValue(micros * 1000);
        }
        LatencyStats stats = LatencyStats.of(histogram);
        assertEquals(1000, stats.count());
        assertWithinPrecision(500_000, stats.p50());
        assertWithinPrecision(900_000, stats.p90());
        assertWithinPrecision(990_000, stats.p99());
        assertWithinPrecision(1_000_000, stats.max());
    }

    @Test
    void pingPongJsonHasTheAgreedShape() {
        Result r = new Result("unix", WaitMode.BLOCK, BenchTest.PINGPONG, 64, 100_000, new LatencyStats(100_000, 12_345, 15_000, 40_001, 2_000_000),
                0, 0.0, Double.NaN, PLACEMENT);
        assertEquals("{\"transport\":\"unix\",\"wait\":\"block\",\"test\":\"pingpong\",\"payload_bytes\":64,\"iterations\":100000,"
                + "\"rtt_us\":{\"p50\":12.345,\"p90\":15.000,\"p99\":40.001,\"max\":2000.000},"
                + "\"alloc_bytes_per_msg\":{\"parent\":0.000,\"child\":null},"
                + "\"placement\":{\"parent_pid\":10,\"parent_cpus\":\"0\",\"child_pid\":11,\"child_cpus\":\"1\",\"pinned\":true}}",
                ResultFormat.json(r));
    }

    @Test
    void throughputJsonCarriesMessagesPerSecondInsteadOfRoundTrips() {
        Result r = new Result("aeron", WaitMode.SPIN, BenchTest.THROUGHPUT, 64, 1_000_000, null, 12_345_678.6, 0.0, 0.5, PLACEMENT);
        String json = ResultFormat.json(r);
        assertTrue(json.contains("\"test\":\"throughput\""), json);
        assertTrue(json.contains("\"msgs_per_s\":12345679,"), json);
        assertTrue(!json.contains("rtt_us"), json);
        assertTrue(json.contains("\"alloc_bytes_per_msg\":{\"parent\":0.000,\"child\":0.500}"), json);
    }

    @Test
    void stringsAreEscaped() {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", ResultFormat.quote("a\"b\\c\nd\u0001"));
    }

    @Test
    void tableHasOneRowPerResultWithItsFigures() {
        Result ping = new Result("tcp", WaitMode.SPIN, BenchTest.PINGPONG, 64, 1000, new LatencyStats(1000, 1_500, 2_000, 3_000, 4_000), 0,
                0.0, 0.0, PLACEMENT);
        Result tp = new Result("tcp", WaitMode.SPIN, BenchTest.THROUGHPUT, 64, 5000, null, 2_500_000, 0.0, 0.0, PLACEMENT);
        String[] lines = ResultFormat.table(java.util.List.of(ping, tp)).split("\n");
        assertEquals(3, lines.length);
        assertTrue(lines[0].startsWith("transport"), lines[0]);
        assertTrue(lines[1].matches("tcp +spin +pingpong +1000 +1\\.500 +2\\.000 +3\\.000 +4\\.000 +0\\.0/0\\.0"), lines[1]);
        assertTrue(lines[2].matches("tcp +spin +throughput +5000 +2,500,000 +0\\.0/0\\.0"), lines[2]);
    }

    @Test
    void placementTellsWhetherTheProcessesCanShareACpu() {
        assertTrue(new Placement(1, "0", 2, "1", true).disjoint());
        assertTrue(!new Placement(1, "0-1", 2, "1", false).disjoint());
        assertEquals(java.util.List.of(0, 1, 2, 3, 6, 8, 9), CpuList.parse("0-3,6,8-9"));
    }

    /** HdrHistogram with 3 significant digits reports values within 0.1 % of the recorded ones. */
    private static void assertWithinPrecision(long expected, long actual) {
        assertTrue(Math.abs(actual - expected) <= expected / 1000, "expected about " + expected + ", got " + actual);
    }
}
