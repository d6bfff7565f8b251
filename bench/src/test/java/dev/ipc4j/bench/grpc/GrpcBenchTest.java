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
 * test in the shape issue 15 fixes (plus the codec, and a FlatBuffers row), the target rows, and the allocation figures
 * that show the large bodies cross ipc4j without a copy into the client's heap (and that the figure sees one over TCP).
 */
class GrpcBenchTest {
    @Test
    void runsEveryTransportAndReportsTheTargets() throws Exception {
        int large = 1 << 20;
        GrpcOptions options = GrpcOptions.parse("--iterations", "50", "--large-iterations", "3", "--large-bytes",
                Integer.toString(large), "--stream-messages", "500", "--warmup-seconds", "0", "--in-place", "--json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GrpcBench.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(4 * 4 + 4, lines.size(), String.join("\n", lines) + "\n" + stderr);
        String[] transports = {"ipc4j", "netty-tcp", "netty-uds", "inprocess"};
        for (int t = 0; t < transports.length; t++) {
            Map<?, ?> small = (Map<?, ?>) MiniJson.parse(lines.get(4 * t));
            Map<?, ?> big = (Map<?, ?>) MiniJson.parse(lines.get(4 * t + 1));
            Map<?, ?> stream = (Map<?, ?>) MiniJson.parse(lines.get(4 * t + 2));
            Map<?, ?> flat = (Map<?, ?>) MiniJson.parse(lines.get(4 * t + 3));
            for (Map<?, ?> row : List.of(small, big, stream, flat)) {
                assertEquals("grpc", row.get("bench"));
                assertEquals(transports[t], row.get("transport"), row.toString());
                assertEquals(row == flat ? "flatbuffers" : "protobuf", row.get("codec"), row.toString());
            }
            assertEquals(Set.of("bench", "transport", "test", "codec", "payload_bytes", "iterations", "rtt_us",
                    "alloc_bytes_per_call"), small.keySet());
            assertEquals("unary", small.get("test"));
            assertEquals(64.0, small.get("payload_bytes"));
            assertEquals((double) large, big.get("payload_bytes"));
            assertEquals((double) large, flat.get("payload_bytes"));
            for (Map<?, ?> unary : List.of(small, big, flat)) {
                assertEquals("unary", unary.get("test"));
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
            if (t == 0) { // zero copy on ipc4j, as allocation figures: the calling thread copies no body into the heap
                for (Map<?, ?> row : List.of(big, flat)) {
                    assertTrue((Double) row.get("alloc_bytes_per_call") < large / 16.0, row.toString());
                }
            } else if (t == 1) { // and the figure can see a copy: over TCP each response body is parsed into the heap
                assertTrue((Double) big.get("alloc_bytes_per_call") >= large, big.toString());
            }
        }
        List<String> ratios = List.of("netty-tcp unary protobuf 64 B p50 / ipc4j unary protobuf 64 B p50",
                "netty-tcp unary protobuf 1048576 B p50 / ipc4j unary protobuf 1048576 B p50",
                "netty-tcp unary flatbuffers 1048576 B p50 / ipc4j unary flatbuffers 1048576 B p50",
                "ipc4j unary protobuf 64 B p50 / inprocess unary protobuf 64 B p50");
        for (int i = 0; i < ratios.size(); i++) {
            Map<?, ?> target = (Map<?, ?>) MiniJson.parse(lines.get(16 + i));
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
