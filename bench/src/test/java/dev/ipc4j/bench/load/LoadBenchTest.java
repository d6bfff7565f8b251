package dev.ipc4j.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.json.MiniJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench load} small, across real processes: a server JVM and two client JVMs, then the report checked. */
class LoadBenchTest {
    @Test
    void twoClientProcessesLoseNothingAndTheReportHasItsFields(@TempDir Path runDir) throws IOException {
        LoadOptions options = LoadOptions.parse("--clients", "2", "--seconds", "1", "--warmup-seconds", "1", "--min-requests", "40", "--json",
                "--timeout-seconds", "300");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadBench.run(options, runDir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, stderr);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), String.join("\n", lines));
        String line = lines.get(0);
        Map<?, ?> row = (Map<?, ?>) MiniJson.parse(line);
        assertEquals(Set.of("bench", "test", "stack", "wait", "clients", "warmup_seconds", "seconds", "payload_bytes", "requests", "server_requests",
                "nothing_lost", "req_per_s", "iterations", "rtt_us", "server", "client_pids"), row.keySet(), line);
        assertEquals("load", row.get("bench"));
        assertEquals("message", row.get("stack"));
        assertEquals("backoff", row.get("wait"));
        assertEquals(2.0, row.get("clients"));
        assertTrue((Double) row.get("seconds") >= 1.0, line);
        assertEquals(Map.of("small", 64.0, "large", (double) (1 << 20)), row.get("payload_bytes"));

        // nothing lost: every request sent was answered and verified by the client, and received and verified by the server
        Map<?, ?> requests = (Map<?, ?>) row.get("requests");
        double sent = (Double) requests.get("sent");
        double measured = (Double) requests.get("measured");
        assertTrue(measured >= 80, "each client makes at least 40 timed requests: " + line);
        assertTrue(sent > measured, "the warm-up's requests are counted, not timed: " + line);
        assertEquals(sent, requests.get("answered"), line);
        assertEquals(sent, requests.get("verified"), line);
        assertEquals(0.0, requests.get("lost"), line);
        assertEquals(0.0, requests.get("bad"), line);
        double small = (Double) requests.get("small");
        double largeResponse = (Double) requests.get("large_response");
        double largeRequest = (Double) requests.get("large_request");
        assertTrue(small > 0 && largeResponse > 0 && largeRequest > 0, line);
        assertEquals(sent, small + largeResponse + largeRequest, line);
        assertTrue(small > largeResponse && largeResponse > largeRequest, "the mix is 13:5:2 per 20 requests: " + line);
        Map<?, ?> server = (Map<?, ?>) row.get("server_requests");
        assertEquals(sent, server.get("received"), line);
        assertEquals(sent, server.get("verified"), line);
        assertEquals(0.0, server.get("bad"), line);
        assertEquals(0.0, server.get("errors"), line);
        assertEquals(Boolean.TRUE, row.get("nothing_lost"));
        assertEquals(measured, row.get("iterations"), "one round trip recorded per timed answer: " + line);
        double rps = (Double) row.get("req_per_s");
        assertEquals(measured / (Double) row.get("seconds"), rps, 1 + rps * 0.002, "seconds has 3 decimals: " + line);

        Map<?, ?> rtt = (Map<?, ?>) row.get("rtt_us");
        assertEquals(Set.of("p50", "p90", "p99", "max"), rtt.keySet());
        double p50 = (Double) rtt.get("p50");
        assertTrue(0 < p50 && p50 <= (Double) rtt.get("p90") && (Double) rtt.get("p90") <= (Double) rtt.get("p99")
                && (Double) rtt.get("p99") <= (Double) rtt.get("max"), line);

        // the server's figures: read from /proc at four points
        Map<?, ?> figures = (Map<?, ?>) row.get("server");
        assertEquals(Set.of("pid", "before", "peak", "loaded", "after"), figures.keySet(), line);
        Map<String, Map<?, ?>> at = new java.util.HashMap<>();
        for (String point : List.of("before", "peak", "loaded", "after")) {
            Map<?, ?> p = (Map<?, ?>) figures.get(point);
            assertEquals(Set.of("threads", "rss_kib", "fds"), p.keySet(), line);
            assertTrue((Double) p.get("threads") > 0 && (Double) p.get("rss_kib") > 0 && (Double) p.get("fds") > 0, line);
            at.put(point, p);
        }
        for (String key : List.of("threads", "rss_kib", "fds")) {
            assertTrue((Double) at.get("peak").get(key) >= (Double) at.get("before").get(key), key + ": " + line);
            assertTrue((Double) at.get("peak").get(key) >= (Double) at.get("loaded").get(key), key + ": " + line);
        }
        assertTrue((Double) at.get("loaded").get("fds") > (Double) at.get("before").get("fds"), "open sessions hold descriptors: " + line);
        assertTrue((Double) at.get("after").get("fds") < (Double) at.get("loaded").get("fds"),
                "ended sessions give their descriptors back: " + line);

        assertTrue(stderr.contains("nothing lost: yes"), stderr);
        assertTrue(stderr.contains("target (issue 11): p99 <= 20 ms"), stderr);

        // nothing left behind: no process, no file in the run directory, nothing of the run's processes in /dev/shm
        List<Long> pids = new ArrayList<>();
        pids.add(((Double) figures.get("pid")).longValue());
        for (Object pid : (List<?>) row.get("client_pids")) {
            pids.add(((Double) pid).longValue());
        }
        assertEquals(3, pids.size(), line);
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "process " + pid + " still runs");
        }
        assertNothingLeft(runDir);
    }

    @Test
    void aRunPastItsTimeoutIsKilledAndLeavesNothing(@TempDir Path runDir) throws IOException {
        // the clients cannot make 2e9 requests in 4 s: the watchdog kills every process, and the run fails
        LoadOptions options = LoadOptions.parse("--clients", "2", "--seconds", "1", "--warmup-seconds", "0", "--min-requests",
                "2000000000", "--timeout-seconds", "4");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadBench.run(options, runDir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, stderr);
        assertTrue(stderr.contains("bench load: failed: "), stderr);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertNothingLeft(runDir);
    }

    /** No process started for the run (each has the run's directory on its command line), no file, no SHM object. */
    private static void assertNothingLeft(Path runDir) throws IOException {
        String dir = runDir.toString();
        List<String> running = ProcessHandle.allProcesses()
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().orElse("").contains(dir))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
        assertEquals(List.of(), running);
        try (Stream<Path> left = Files.list(runDir)) {
            assertEquals(List.of(), left.toList());
        }
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            assertEquals(List.of(), shm.map(p -> p.getFileName().toString()).filter(name -> name.contains(".benchload.")).toList());
        }
    }

    @Test
    void payloadsAreCheckedCompletely() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment payload = arena.allocate(4096, 8);
            LoadProtocol.write(payload, 42, 3, LoadProtocol.LARGE_RESPONSE, 1 << 20, LoadProtocol.STATUS_OK, true);
            assertNull(LoadProtocol.check(payload, 42, 3, LoadProtocol.LARGE_RESPONSE, true));
            assertEquals(1 << 20, LoadProtocol.responseLength(payload));
            assertNotNull(LoadProtocol.check(payload, 43, 3, -1, true), "another sequence number");
            assertNotNull(LoadProtocol.check(payload, 42, 4, -1, true), "another client");
            assertNotNull(LoadProtocol.check(payload, 42, 3, LoadProtocol.SMALL, true), "another kind");
            payload.set(ValueLayout.JAVA_BYTE, 4000, (byte) (payload.get(ValueLayout.JAVA_BYTE, 4000) ^ 1));
            assertTrue(LoadProtocol.check(payload, 42, 3, -1, true).contains("CRC32C"));
            assertNotNull(LoadProtocol.check(payload.asSlice(0, 16), 42, 3, -1, true), "too short");
        }
        int[] kinds = new int[LoadProtocol.KINDS];
        for (long s = 0; s < 20; s++) {
            kinds[LoadProtocol.kindOf(s)]++;
        }
        assertEquals(List.of(13, 5, 2), List.of(kinds[0], kinds[1], kinds[2]));
    }

    @Test
    void optionsAreChecked() {
        LoadOptions d = LoadOptions.parse();
        assertEquals(16, d.clients());
        assertEquals(45, d.warmupSeconds());
        assertEquals(0, LoadOptions.parse("--warmup-seconds", "0").warmupSeconds());
        assertEquals(1 << 20, d.largeBytes());
        assertEquals("backoff", d.waitName());
        assertEquals(4, LoadOptions.parse("--clients", "4").clients());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--clients", "0"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--clients", "61"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--large-bytes", "100"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--wait", "sometimes"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--seconds", "700"));
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.parse("--bogus"));
        String help = dev.ipc4j.bench.harness.ToolCommand.usage(new LoadCommand());
        assertTrue(help.contains("--clients"), help);
    }
}
