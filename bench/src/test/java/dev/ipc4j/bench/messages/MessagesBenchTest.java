package dev.ipc4j.bench.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.WaitMode;
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

/**
 * The benchmark's main end to end with tiny counts and a 1 MiB response: both JVMs, the message layer's rows beside the
 * transport's, JSON out with the key names of {@code bench small} and the demo.
 */
class MessagesBenchTest {
    /** Every descriptor and /dev/shm object the test opened here is gone after it (the one leak check). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void runsMessageAndTransportRowsBetweenTwoJvmsAndReportsTheTargets() {
        MessagesOptions options = MessagesOptions.parse("--iterations", "50", "--warmup", "10", "--warmup-seconds", "0", "--large-bytes",
                Integer.toString(1 << 20), "--waits", "block", "--json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = MessagesBench.run(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(10, lines.size(), String.join("\n", lines));

        // six rows, transport beside message per size, then the 64 B message with counters off and with the tap on, in the
        // order measured
        String[][] expected = {{"ring-64B", "transport", "64"}, {"raw-64B", "message", "64"},
                {"ring-1GiB", "transport", Integer.toString(1 << 20)}, {"fb-1GiB", "message", null},
                {"raw-64B-off", "message", "64"}, {"raw-64B-tap", "message", "64"}};
        for (int i = 0; i < expected.length; i++) {
            Map<?, ?> row = (Map<?, ?>) MiniJson.parse(lines.get(i));
            assertEquals(Set.of("bench", "test", "stack", "wait", "payload_bytes", "iterations", "rtt_us"), row.keySet(), lines.get(i));
            assertEquals("messages", row.get("bench"));
            assertEquals(expected[i][0], row.get("test"), lines.get(i));
            assertEquals(expected[i][1], row.get("stack"), lines.get(i));
            assertEquals("block", row.get("wait"));
            assertEquals(50.0, row.get("iterations"), lines.get(i));
            double payload = (Double) row.get("payload_bytes");
            if (expected[i][2] != null) {
                assertEquals(Double.parseDouble(expected[i][2]), payload, lines.get(i));
            } else {
                assertTrue(payload > 1 << 20, "the FlatBuffer holds 1 MiB of parts plus its tables: " + lines.get(i));
            }
            Map<?, ?> rtt = (Map<?, ?>) row.get("rtt_us");
            assertEquals(Set.of("p50", "p90", "p99", "max"), rtt.keySet(), lines.get(i));
            double p50 = (Double) rtt.get("p50");
            double p90 = (Double) rtt.get("p90");
            double p99 = (Double) rtt.get("p99");
            double max = (Double) rtt.get("max");
            assertTrue(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max, lines.get(i));
        }

        Map<?, ?> messageOverTransport = (Map<?, ?>) MiniJson.parse(lines.get(6));
        assertEquals("message raw-64B p50 / transport ring-64B p50", messageOverTransport.get("ratio"));
        assertEquals("block", messageOverTransport.get("wait"));
        assertEquals(1.3, messageOverTransport.get("target"));
        assertTrue(messageOverTransport.get("met") instanceof Boolean, lines.get(6));
        Map<?, ?> largeOverSmall = (Map<?, ?>) MiniJson.parse(lines.get(7));
        assertEquals("message fb-1GiB p50 / message raw-64B p50", largeOverSmall.get("ratio"));
        assertEquals(1.2, largeOverSmall.get("target"));
        // the value is the ratio of the rows' p50s (3 decimals)
        double raw = (Double) ((Map<?, ?>) ((Map<?, ?>) MiniJson.parse(lines.get(1))).get("rtt_us")).get("p50");
        double fb = (Double) ((Map<?, ?>) ((Map<?, ?>) MiniJson.parse(lines.get(3))).get("rtt_us")).get("p50");
        assertEquals(fb / raw, (Double) largeOverSmall.get("value"), 0.0011);
        Map<?, ?> countedOverUncounted = (Map<?, ?>) MiniJson.parse(lines.get(8));
        assertEquals("message raw-64B p50 / message raw-64B-off p50", countedOverUncounted.get("ratio"));
        assertEquals(1.05, countedOverUncounted.get("target"));
        double off = (Double) ((Map<?, ?>) ((Map<?, ?>) MiniJson.parse(lines.get(4))).get("rtt_us")).get("p50");
        assertEquals(raw / off, (Double) countedOverUncounted.get("value"), 0.0011);
        Map<?, ?> tappedOverUntapped = (Map<?, ?>) MiniJson.parse(lines.get(9));
        assertEquals("message raw-64B-tap p50 / message raw-64B p50", tappedOverUntapped.get("ratio"));
        double tapped = (Double) ((Map<?, ?>) ((Map<?, ?>) MiniJson.parse(lines.get(5))).get("rtt_us")).get("p50");
        assertEquals(tapped / raw, (Double) tappedOverUntapped.get("value"), 0.0011);

        assertTrue(stderr.contains("64 parts, 1,048,576 bytes hashed"), stderr);
        assertTrue(stderr.contains("verified the 1,048,576-byte lent block after the clock: 131,072 words"), stderr);
        assertTrue(stderr.matches("(?s).*target block: message 64 B p50 / transport 64 B p50 = \\d+\\.\\d\\d \\(target <= 1\\.3: (met|NOT met)\\).*"),
                stderr);
        assertTrue(stderr.matches("(?s).*target block: message 1 GiB p50 / message 64 B p50 = \\d+\\.\\d\\d \\(target <= 1\\.2: (met|NOT met)\\).*"),
                stderr);
    }

    @Test
    void theMessageOverTransportTargetIsForBlockingWaitsOnly() {
        MessagesBench.Run spin = run(WaitMode.SPIN, 1_000, 1_500, 2_000, 2_200);
        List<String> rows = MessagesBench.ratioJson(spin);
        Map<?, ?> first = (Map<?, ?>) MiniJson.parse(rows.get(0));
        assertEquals(1.5, first.get("value"));
        assertTrue(first.containsKey("target") && first.containsKey("met"));
        assertNull(first.get("target"));
        assertNull(first.get("met"));
        Map<?, ?> second = (Map<?, ?>) MiniJson.parse(rows.get(1));
        assertEquals(2_200.0 / 1_500, (Double) second.get("value"), 0.0006);
        assertEquals(Boolean.FALSE, second.get("met"));
        assertTrue(MessagesBench.targets(List.of(spin)).get(0).startsWith("info   spin:"));

        MessagesBench.Run block = run(WaitMode.BLOCK, 1_000, 1_300, 5_000, 1_560);
        Map<?, ?> met = (Map<?, ?>) MiniJson.parse(MessagesBench.ratioJson(block).get(0));
        assertEquals(Boolean.TRUE, met.get("met"));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) MiniJson.parse(MessagesBench.ratioJson(block).get(1))).get("met"));
        List<String> text = MessagesBench.targets(List.of(block));
        assertEquals("target block: message 64 B p50 / transport 64 B p50 = 1.30 (target <= 1.3: met)", text.get(0));
        assertEquals("target block: message 1 GiB p50 / message 64 B p50 = 1.20 (target <= 1.2: met)", text.get(1));
        assertEquals("info   block: transport 1 GiB p50 / transport 64 B p50 = 5.00", text.get(2));
        MessagesBench.Run slow = run(WaitMode.BLOCK, 1_000, 1_400, 1_000, 1_400);
        assertTrue(MessagesBench.targets(List.of(slow)).get(0).endsWith("(target <= 1.3: NOT met)"));
    }

    private static MessagesBench.Run run(WaitMode wait, long ringSmall, long small, long ringLarge, long large) {
        return new MessagesBench.Run(figures("ring-64B", "transport", wait, ringSmall), figures("raw-64B", "message", wait, small),
                figures("ring-1GiB", "transport", wait, ringLarge), figures("fb-1GiB", "message", wait, large),
                figures("raw-64B-off", "message", wait, small), figures("raw-64B-tap", "message", wait, small));
    }

    private static MessagesBench.Figures figures(String test, String stack, WaitMode wait, long p50) {
        return new MessagesBench.Figures(test, stack, wait, 64, new LatencyStats(1, p50, p50, p50, p50));
    }

    @Test
    void optionsAreChecked() {
        assertEquals(List.of(WaitMode.SPIN), MessagesOptions.parse("--waits", "spin").waits());
        assertEquals(1L << 30, MessagesOptions.parse().largeBytes());
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--large-bytes", "1000"));
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--iterations", "0"));
        assertThrows(IllegalArgumentException.class, () -> MessagesOptions.parse("--bogus"));
        String help = dev.ipc4j.bench.harness.ToolCommand.usage(new MessagesCommand());
        assertTrue(help.contains("--json"), help);
        assertTrue(help.contains("ring-64B"), help);
    }
}
