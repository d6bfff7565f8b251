package dev.ipc4j.bench.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.harness.NothingLeftBehind;
import dev.ipc4j.bench.json.MiniJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Aeron baseline beside ipc4j in one invocation, and the targets over both. Aeron's media driver keeps a socket of
 * its own open after it closes, so this class checks what the bench leaves behind as the harness's Aeron tests do
 * (children, /dev/shm, work directories), not this JVM's descriptors ({@link PubSubBenchTest} does, for ipc4j).
 */
class PubSubAeronBaselineTest {
    @RegisterExtension
    static final NothingLeftBehind NOTHING_LEFT = new NothingLeftBehind("subscriber processes",
            name -> name.startsWith("aeron") || name.startsWith("ipc4j"), "ipc4j-bench-");

    @Test
    void bothTransportsInOneInvocationAndTheTargetsOverThem() {
        List<String> lines = PubSubBenchTest.run("--subscribers", "1", "--payloads", "64,1048576", "--samples", "100",
                "--warmup", "20", "--json");
        assertEquals(4 + 2, lines.size(), String.join("\n", lines));
        for (String line : lines.subList(0, 4)) {
            PubSubBenchTest.checkRow(line);
        }
        for (String line : lines.subList(4, 6)) {
            Map<?, ?> ratio = (Map<?, ?>) MiniJson.parse(line);
            assertEquals("aeron latency p50 / ipc4j latency p50", ratio.get("ratio"), line);
            assertEquals((Double) ratio.get("payload_bytes") >= 1 << 20 ? 10.0 : 1.0, ratio.get("target"), line);
            assertTrue(ratio.get("met") instanceof Boolean, line);
        }
    }
}
