package dev.ipc4j.bench.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.harness.WaitMode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The benchmark's main end to end with tiny counts and a 1 MiB response: both JVMs, both tests, JSON out. */
class MessagesBenchTest {
    @Test
    void runsBothTestsBetweenTwoJvmsAndReportsTheRatio() {
        MessagesOptions options = MessagesOptions.parse("--iterations", "50", "--warmup", "10", "--large-bytes",
                Integer.toString(1 << 20), "--waits", "block", "--json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = MessagesBench.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("\"test\":\"raw-64B\"") && lines.get(0).contains("\"count\":50"), lines.get(0));
        assertTrue(lines.get(1).contains("\"test\":\"fb-1GiB\"") && lines.get(1).contains("\"p99Nanos\":"), lines.get(1));
        assertTrue(lines.get(2).contains("\"ratio\"") && lines.get(2).contains("\"wait\":\"block\""), lines.get(2));
        assertTrue(stderr.contains("64 parts, 1,048,576 bytes hashed"), stderr);
        assertTrue(stderr.contains("ratio block: fb-1GiB p50 / raw-64B p50 = "), stderr);
    }

    @Test
    void optionsAreChecked() {
        assertEquals(List.of(WaitMode.SPIN), MessagesOptions.parse("--waits", "spin").waits());
        assertEquals(1L << 30, MessagesOptions.parse().largeBytes());
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--large-bytes", "1000"));
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--iterations", "0"));
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--bogus"));
        assertTrue(MessagesOptions.usage().contains("--json"));
    }
}
