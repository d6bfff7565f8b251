package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.NothingLeftBehind;
import dev.ipc4j.bench.json.MiniJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The demo's main between this JVM (the client) and a real server JVM, with small sizes and few round trips, on the whole
 * stack (the default) and the raw transport. Behaviour only (outputs, verification, cleanup), never speed: the machine
 * may be busy.
 */
class DemoEndToEndTest {
    // Only the demo's objects (its server app is "demo" on both stacks): other programs on a shared machine come and go.
    @RegisterExtension
    static final NothingLeftBehind NOTHING_LEFT = new NothingLeftBehind("server processes",
            name -> name.startsWith("ipc4j.demo."), "ipc4j-demo-");

    @ParameterizedTest(name = "--wait {0}")
    @ValueSource(strings = {"block", "spin"})
    @Timeout(120)
    void jsonLinesAndHtmlForEverySizeAndModeOnTheWholeStack(String wait, @TempDir Path dir) throws Exception {
        Path html = dir.resolve("report.html");
        Output o = run("--sizes", "100KiB,1MiB", "--iterations", "20", "--warmup", "2", "--wait", wait, "--json", "--html", html.toString());

        assertEquals(0, o.code, o.err);
        assertRows(o, wait, "message");
        // With --json the table goes to stderr, so stdout stays machine-readable.
        assertTrue(o.err.contains("speed-up") && o.err.contains("1 MiB"), o.err);
        assertTrue(o.err.contains("zero-copy (stack message)") && o.err.contains("MessageChannel"), o.err);

        String page = Files.readString(html);
        assertTrue(page.contains("<svg") && page.contains("</svg>") && page.contains("<polyline class=\"zero-copy\"")
                && page.contains("<polyline class=\"copy\"") && page.contains("Stack: <b>message</b>"), page);
        // Self-contained: no scripts, nothing fetched (the SVG namespace is a name, not a download).
        String fetched = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        for (String external : List.of("<script", "http:", "https:", "src=", "url(", "@import")) {
            assertFalse(fetched.contains(external), external);
        }
    }

    @ParameterizedTest(name = "--zero-copy {0}")
    @ValueSource(strings = {"flatbuffers", "raw-shm"})
    @Timeout(120)
    void theRawTransportRowsAreLabelledAsSuch(String zeroCopy) throws Exception {
        Output o = run("--stack", "transport", "--zero-copy", zeroCopy, "--sizes", "100KiB,1MiB", "--iterations", "20", "--warmup", "2",
                "--json");

        assertEquals(0, o.code, o.err);
        assertRows(o, "block", "transport");
        assertTrue(o.err.contains("zero-copy (stack transport): raw transport (below the session and message layers)"), o.err);
    }

    /** Four JSON lines, one per (size, mode), with exactly the fields; zero-copy rows through {@code stack}. */
    private static void assertRows(Output o, String wait, String stack) {
        List<String> lines = o.out.lines().toList();
        assertEquals(4, lines.size(), o.out);
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(line), line);
            assertEquals(Set.of("payload_bytes", "mode", "stack", "wait", "iterations", "rtt_us"), json.keySet(), line);
            double bytes = (Double) json.get("payload_bytes");
            assertTrue(bytes == 100 * 1024 || bytes == 1024 * 1024, line);
            assertTrue(json.get("mode").equals("zero-copy") || json.get("mode").equals("copy"), line);
            boolean copy = json.get("mode").equals("copy");
            // The copied baseline is a plain Unix socket with blocking I/O, whatever the stack and --wait say.
            assertEquals(copy ? "transport" : stack, json.get("stack"), line);
            assertEquals(copy ? "block" : wait, json.get("wait"), line);
            assertEquals(20.0, json.get("iterations"));
            Map<?, ?> rtt = assertInstanceOf(Map.class, json.get("rtt_us"));
            assertEquals(Set.of("p50", "p90", "p99", "max"), rtt.keySet());
            double p50 = (Double) rtt.get("p50");
            assertTrue(p50 > 0 && p50 <= (Double) rtt.get("p90") && (Double) rtt.get("p90") <= (Double) rtt.get("p99")
                    && (Double) rtt.get("p99") <= (Double) rtt.get("max"), line);
            seen.add((long) bytes + " " + json.get("mode"));
        }
        assertEquals(Set.of("102400 zero-copy", "102400 copy", "1048576 zero-copy", "1048576 copy"), seen);
    }

    @ParameterizedTest(name = "--stack {0}")
    @ValueSource(strings = {"message", "transport"})
    @Timeout(120)
    void aCorruptedPartFailsTheRunNamingThePart(String stack) throws Exception {
        Output o = run("--stack", stack, "--sizes", "100KiB", "--iterations", "5", "--corrupt-part", "3");

        assertEquals(1, o.code, o.err);
        assertTrue(o.err.contains("part 3 of 7: hash mismatch"), o.err);
        assertFalse(o.out.contains("zero-copy"), "no figures for a response that did not verify");
    }

    @Test
    @Timeout(120)
    void aRunPastItsTimeoutKillsTheServerSaysSoAndRemovesWhatTheServerLeft() throws Exception {
        // 100,000 copies of 10 MiB cannot finish in 3 s: the watchdog kills the server wherever the run is.
        Output o = run("--sizes", "10MiB", "--iterations", "100000", "--warmup", "0", "--timeout", "3");

        assertEquals(1, o.code, o.err);
        assertTrue(o.err.contains("the run took longer than --timeout 3 s, so the server was killed"), o.err);
        // nothingLeftBehind() then checks that the killed server's shared memory is gone too.
    }

    /**
     * Flow-IPC's methodology: every size and mode in a fresh pair of JVMs, its first round trip timed, and the time
     * from starting the client to it done, in pairs started as today and with an ahead-of-time cache trained in the
     * same run (issue 18). One run (each pair is two JVM starts): behaviour, not speed.
     */
    @Test
    @Timeout(240)
    void coldTimesTheFirstRoundTripOfAFreshPairPerSizeModeAndCache() {
        Output o = run("--cold", "--runs", "1", "--sizes", "100KiB", "--json");

        assertEquals(0, o.code, o.err);
        // The JDK makes an AOT cache of jars only: a test's class path has directories, so the run says it makes no
        // cache rows (./ipc4j, all jars, has them; checked by hand, figures in docs/benchmarks.md).
        boolean cache = ColdDemo.directoryOnPaths() == null;
        assertTrue(o.err.contains(cache ? "training the ahead-of-time caches" : "no ahead-of-time cache rows: the JDK makes")
                && o.err.contains("run 1 of 1, 100 KiB zero-copy: a fresh server and client")
                && o.err.contains("run 1 of 1, 100 KiB copy" + (cache ? " (AOT cache)" : "") + ": a fresh server and client"), o.err);
        List<String> lines = o.out.lines().toList();
        assertEquals(cache ? 4 : 2, lines.size(), o.out);
        Set<String> rows = new HashSet<>();
        for (String line : lines) {
            Map<?, ?> json = assertInstanceOf(Map.class, MiniJson.parse(line), line);
            assertEquals(Set.of("cold", "payload_bytes", "mode", "stack", "aot", "runs", "first_rtt_us", "start_to_main_ms",
                    "start_to_login_ms", "start_to_first_ms"), json.keySet(), line);
            assertEquals(true, json.get("cold"), line);
            assertEquals(102400.0, json.get("payload_bytes"), line);
            assertEquals(1.0, json.get("runs"), line);
            rows.add(json.get("mode") + " " + json.get("aot"));
            double rtt = median(json, "first_rtt_us") / 1000;
            double main = median(json, "start_to_main_ms");
            double login = median(json, "start_to_login_ms");
            double first = median(json, "start_to_first_ms");
            assertTrue(rtt > 0 && main > 0 && main < login && login < first, line);
            assertEquals(login + rtt, first, 0.01, "start to first = start to log-in + the round trip: " + line);
        }
        assertEquals(cache ? Set.of("zero-copy false", "zero-copy true", "copy false", "copy true")
                : Set.of("zero-copy false", "copy false"), rows);
        Output refused = run("--cold", "--iterations", "5");
        assertEquals(2, refused.code);
        assertTrue(refused.err.contains("no --iterations, --warmup, --html or --stack with it"), refused.err);
        Output runs = run("--runs", "3");
        assertEquals(2, runs.code);
        assertTrue(runs.err.contains("--runs counts the fresh pairs of --cold"), runs.err);
    }

    private static double median(Map<?, ?> json, String field) {
        Map<?, ?> spread = assertInstanceOf(Map.class, json.get(field));
        assertEquals(Set.of("median", "min", "max"), spread.keySet(), field);
        double median = (Double) spread.get("median");
        assertTrue((Double) spread.get("min") <= median && median <= (Double) spread.get("max"), field);
        return median;
    }

    @Test
    void badOptionsExitWithTwoAndSayWhy() {
        Output o = run("--sizes", "1TiB");
        assertEquals(2, o.code);
        assertTrue(o.err.contains("demo: unknown unit in '1TiB'"), o.err);
        Output unknown = run("--fast");
        assertEquals(2, unknown.code);
        assertTrue(unknown.err.contains("demo: Unknown option: '--fast'"), unknown.err);
    }

    @Test
    void helpListsEveryOption() {
        Output o = run("--help");
        assertEquals(0, o.code);
        for (String option : List.of("--sizes", "--iterations", "--warmup", "--wait=MODE", "--json", "--html=FILE", "--stack=NAME",
                "--zero-copy", "--cold", "--runs=N")) {
            assertTrue(o.out.contains(option), option);
        }
    }

    private record Output(int code, String out, String err) {}

    private static Output run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Demo.run(args, o, e);
        }
        return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
