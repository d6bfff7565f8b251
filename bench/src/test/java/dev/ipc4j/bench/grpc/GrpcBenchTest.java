package dev.ipc4j.bench.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.json.MiniJson;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * bench grpc end to end with tiny counts: the server process and all four transports, a JSON row per transport and
 * test in the shape issue 15 fixes, and the target rows.
 */
class GrpcBenchTest {
    @Test
    void runsEveryTransportAndReportsTheTargets() throws Exception {
        GrpcOptions options = GrpcOptions.parse("--iterations", "50", "--large-iterations", "3", "--large-bytes",
                Integer.toString(1 << 20), "--stream-messages", "500", "--warmup-seconds", "0", "--json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GrpcBench.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4 * 3 + 3, lines.size(), String.join("\n", lines) + "\n" + stderr);
        String[] transports = {"ipc4j", "netty-tcp", "netty-uds", "inprocess"};
        for (int t = 0; t < transports.length; t++) {
            Map<?, ?> small = (Map<?, ?>) MiniJson.parse(lines.get(3 * t));
            Map<?, ?> large = (Map<?, ?>) MiniJson.parse(lines.get(3 * t + 1));
            Map<?, ?> stream = (Map<?, ?>) MiniJson.parse(lines.get(3 * t + 2));
            for (Map<?, ?> row : List.of(small, large, stream)) {
                assertEquals("grpc", row.get("bench"));
                assertEquals(transports[t], row.get("transport"), row.toString());
            }
            assertEquals(Set.of("bench", "transport", "test", "payload_bytes", "iterations", "rtt_us", "alloc_bytes_per_call"),
                    small.keySet());
            assertEquals("unary", small.get("test"));
            assertEquals(64.0, small.get("payload_bytes"));
            assertEquals((double) (1 << 20), large.get("payload_bytes"));
            for (Map<?, ?> unary : List.of(small, large)) {
                Map<?, ?> rtt = (Map<?, ?>) unary.get("rtt_us");
                double p50 = (Double) rtt.get("p50");
                double p90 = (Double) rtt.get("p90");
                double p99 = (Double) rtt.get("p99");
                double max = (Double) rtt.get("max");
                assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max, unary.toString());
            }
            assertEquals("stream", stream.get("test"));
            assertEquals(500.0, stream.get("messages"));
            assertTrue((Double) stream.get("msgs_per_s") > 0, stream.toString());
        }
        List<String> ratios = List.of("netty-tcp unary 64 B p50 / ipc4j unary 64 B p50",
                "netty-tcp unary 1048576 B p50 / ipc4j unary 1048576 B p50",
                "ipc4j unary 64 B p50 / inprocess unary 64 B p50");
        for (int i = 0; i < 3; i++) {
            Map<?, ?> target = (Map<?, ?>) MiniJson.parse(lines.get(12 + i));
            assertEquals(ratios.get(i), target.get("ratio"));
            assertTrue(target.get("met") instanceof Boolean && (Double) target.get("value") > 0, target.toString());
        }
    }

    @Test
    void badOptionsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GrpcOptions.parse("--transports", "pigeon"))
                .getMessage().contains("pigeon"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GrpcOptions.parse("--iterations", "0"))
                .getMessage().contains("--iterations"));
    }
}
