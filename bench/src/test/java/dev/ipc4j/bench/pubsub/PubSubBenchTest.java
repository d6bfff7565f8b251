package dev.ipc4j.bench.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.json.MiniJson;
import dev.ipc4j.testing.NoLeaks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The benchmark end to end with tiny counts: both transports, subscriber JVMs, the issue's JSON keys and targets. */
class PubSubBenchTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void fansOutToSubscriberProcessesInTheIssuesJsonRows() {
        List<String> lines = run("--subscribers", "1,2", "--payloads", "64,131072", "--samples", "100", "--warmup", "20",
                "--json", "--transports", "ipc4j");
        assertEquals(4, lines.size(), "a row per run; no target has both its rows: " + String.join("\n", lines));
        for (String line : lines) {
            checkRow(line);
        }
    }

    /** Runs the benchmark with {@code args}; fails unless it succeeds; returns its JSON lines. */
    static List<String> run(String... args) {
        PubSubOptions options = PubSubOptions.parse(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PubSubBench.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    /** A run's row has the issue's keys and ordered percentiles. */
    static void checkRow(String line) {
        Map<?, ?> row = (Map<?, ?>) MiniJson.parse(line);
        assertEquals(Set.of("bench", "transport", "subscribers", "payload_bytes", "samples", "publish_us", "latency_us",
                "latency_by_arrival_us"), row.keySet(), line);
        assertEquals("pubsub", row.get("bench"));
        assertTrue(Set.of("ipc4j", "aeron").contains(row.get("transport")), line);
        assertEquals((Double) row.get("payload_bytes") > 65536 ? 10.0 : 100.0, row.get("samples"), line);
        for (String key : List.of("publish_us", "latency_us")) {
            Map<?, ?> figures = (Map<?, ?>) row.get(key);
            assertEquals(Set.of("p50", "p99"), figures.keySet(), line);
            double p50 = (Double) figures.get("p50");
            assertTrue(0 < p50 && p50 <= (Double) figures.get("p99"), line);
        }
        // One p50 per subscriber, in arrival order, the last of them the latency's own p50.
        List<?> byArrival = (List<?>) ((Map<?, ?>) row.get("latency_by_arrival_us")).get("p50");
        assertEquals(((Double) row.get("subscribers")).intValue(), byArrival.size(), line);
        for (int k = 1; k < byArrival.size(); k++) {
            assertTrue((Double) byArrival.get(k - 1) <= (Double) byArrival.get(k), line);
        }
        assertEquals(((Map<?, ?>) row.get("latency_us")).get("p50"), byArrival.getLast(), line);
    }

    @Test
    void badOptionsAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PubSubOptions.parse("--subscribers", "0"))
                .getMessage().contains("--subscribers"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PubSubOptions.parse("--payloads", "8"))
                .getMessage().contains("--payloads"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> PubSubOptions.parse("--transports", "zeromq"))
                .getMessage().contains("--transports"));
    }
}
