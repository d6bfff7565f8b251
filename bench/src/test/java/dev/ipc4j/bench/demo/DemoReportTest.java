package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.json.MiniJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.WaitMode;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoReportTest {
    private static final long KIB_100 = 100L << 10;
    private static final long GIB = 1L << 30;

    private static DemoResult result(long size, DemoMode mode, WaitMode wait, long p50Nanos) {
        DemoStack stack = mode == DemoMode.ZERO_COPY ? DemoStack.MESSAGE : DemoStack.TRANSPORT;
        return new DemoResult(size, mode, stack, wait, 2000, new LatencyStats(2000, p50Nanos, p50Nanos * 2, p50Nanos * 3, p50Nanos * 10));
    }

    private static final List<DemoResult> RESULTS = List.of(
            result(KIB_100, DemoMode.ZERO_COPY, WaitMode.BLOCK, 40_000),
            result(KIB_100, DemoMode.COPY, WaitMode.BLOCK, 60_000),
            result(GIB, DemoMode.ZERO_COPY, WaitMode.BLOCK, 50_000),
            result(GIB, DemoMode.COPY, WaitMode.BLOCK, 600_000_000));

    @Test
    void jsonHasExactlyTheIssuesFieldsInMicroseconds() {
        assertEquals("{\"payload_bytes\":1073741824,\"mode\":\"zero-copy\",\"stack\":\"message\",\"wait\":\"block\",\"iterations\":2000,"
                + "\"rtt_us\":{\"p50\":50.000,\"p90\":100.000,\"p99\":150.000,\"max\":500.000}}", DemoReport.json(RESULTS.get(2)));
        java.util.Map<?, ?> copy = (java.util.Map<?, ?>) MiniJson.parse(DemoReport.json(RESULTS.get(3)));
        assertEquals("copy", copy.get("mode"));
        assertEquals("transport", copy.get("stack"), "the copied baseline is a plain socket, no message layer");
    }

    @Test
    void theTableShowsEveryRowAndTheSpeedUpOnTheZeroCopyRow() {
        List<String> lines = DemoReport.table(RESULTS).lines().toList();
        assertEquals(5, lines.size());
        assertTrue(lines.get(0).contains("p50 us") && lines.get(0).contains("speed-up"), lines.get(0));
        assertTrue(lines.get(1).startsWith("100 KiB   zero-copy message   block") && lines.get(1).endsWith("1.5x"), lines.get(1));
        assertTrue(lines.get(3).startsWith("1 GiB     zero-copy") && lines.get(3).contains("50.000") && lines.get(3).endsWith("12,000x"), lines.get(3));
        assertFalse(lines.get(4).endsWith("x"), "no speed-up on a copy row");
        assertTrue(lines.get(4).startsWith("1 GiB     copy      transport block"), lines.get(4));
    }

    @Test
    void targetsAreCheckedAgainstTheFigures() {
        assertEquals(List.of(
                "1 GiB zero-copy p50 / 100 KiB zero-copy p50 = 1.25x (target <= 2x): met",
                "copy p50 / zero-copy p50 at 1 GiB = 12,000x (target >= 10,000x): met",
                "1 GiB zero-copy p50 = 50.0 us (target with blocking waits: < 300 us): met"), DemoReport.targets(RESULTS));
        List<DemoResult> spin = List.of(result(GIB, DemoMode.ZERO_COPY, WaitMode.SPIN, 7_000), result(GIB, DemoMode.COPY, WaitMode.BLOCK, 5_000_000));
        assertEquals(List.of("copy p50 / zero-copy p50 at 1 GiB = 714x (target >= 10,000x): MISSED",
                "1 GiB zero-copy p50 = 7.0 us (target with busy spin: < 5 us): MISSED"), DemoReport.targets(spin));
        assertEquals(List.of(), DemoReport.targets(List.of(result(KIB_100, DemoMode.ZERO_COPY, WaitMode.BLOCK, 1))), "no 1 GiB, no targets");
    }

    @Test
    void theHtmlReportIsOnePageWithALogLogChartOfBothModes() {
        String page = HtmlReport.html(RESULTS, DemoOptions.parse(), "raw <layout>", DemoReport.targets(RESULTS));
        assertTrue(page.startsWith("<!DOCTYPE html>") && page.endsWith("</html>\n"));
        assertEquals(1, page.split("<svg", -1).length - 1, "one chart");
        assertTrue(page.contains("<polyline class=\"zero-copy\"") && page.contains("<polyline class=\"copy\""));
        assertEquals(4, page.split("<circle", -1).length - 1, "a point per result");
        assertTrue(page.contains("raw &lt;layout&gt;"), "text is escaped");
        assertTrue(page.contains(">100 KiB<") && page.contains(">1 GiB<"), "sizes label the x axis");
        assertTrue(page.contains(">10 µs<") && page.contains(">1 s<"), "decades label the y axis");
        assertTrue(page.contains("12,000x") && page.contains("target &gt;= 10,000x")
                && page.contains("<td>message</td>") && page.contains("<td>transport</td>"));
        assertFalse(page.contains("<script"));
    }

    @Test
    void pointsOfTheChartGoUpWithRoundTripAndRightWithSize() {
        String svg = HtmlReport.svg(RESULTS);
        String copyLine = svg.substring(svg.indexOf("points=\"", svg.indexOf("class=\"copy\"")) + 8);
        String[] points = copyLine.substring(0, copyLine.indexOf('"')).split(" ");
        String[] small = points[0].split(",");
        String[] large = points[1].split(",");
        assertTrue(Double.parseDouble(large[0]) > Double.parseDouble(small[0]), "larger payload further right");
        assertTrue(Double.parseDouble(large[1]) < Double.parseDouble(small[1]), "longer round trip higher up (smaller y)");
    }
}
