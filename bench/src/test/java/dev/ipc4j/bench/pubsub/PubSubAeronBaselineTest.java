package dev.ipc4j.bench.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.json.MiniJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Aeron baseline beside ipc4j in one invocation, and the targets over both. Aeron's media driver keeps a socket of
 * its own open after it closes, so this class checks what the bench leaves behind as the harness's Aeron tests do
 * (children, /dev/shm, work directories), not this JVM's descriptors ({@link PubSubBenchTest} does, for ipc4j).
 */
class PubSubAeronBaselineTest {
    private Set<String> shmBefore;
    private Set<String> tmpBefore;

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @BeforeEach
    void snapshot() throws IOException {
        shmBefore = list(Path.of("/dev/shm"));
        tmpBefore = list(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        assertEquals(List.of(), ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList(),
                "child processes still running");
        Set<String> shm = list(Path.of("/dev/shm"));
        shm.removeAll(shmBefore);
        shm.removeIf(name -> !name.startsWith("aeron") && !name.startsWith("ipc4j"));
        assertEquals(Set.of(), shm, "left in /dev/shm");
        Set<String> tmp = list(Path.of(System.getProperty("java.io.tmpdir")));
        tmp.removeAll(tmpBefore);
        tmp.removeIf(name -> !name.startsWith("ipc4j-bench-"));
        assertEquals(Set.of(), tmp, "work directories left in the temp dir");
    }

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
