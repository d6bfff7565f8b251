package dev.ipc4j.examples.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.Eventually;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gRPC example across two processes: the route guide server in a child JVM, the client here, over the session.
 * The server's output goes to a file: a pipe read by a thread loses what the JDK's process reaper drains when the
 * process exits, and the server's last line is written as it exits.
 */
class RouteGuideExampleTest {
    @TempDir
    Path runDir;

    private static List<String> lines(Path log) {
        try {
            return Files.readAllLines(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theFourKindsOfCallGoOverTheSessionAndTheServerStopsInGoodOrder() throws Exception {
        Path log = runDir.resolve("server.log");
        Process server = new ProcessBuilder(RouteGuideExample.serverCommand(runDir)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            Eventually.await(() -> !server.isAlive() || lines(log).stream().anyMatch(l -> l.startsWith("route guide server ready")),
                    "the server's ready line", Duration.ofSeconds(60));
            String ready = lines(log).stream().filter(l -> l.startsWith("route guide server ready")).findFirst()
                    .orElseThrow(() -> new AssertionError("the server ended before it was ready: " + lines(log)));
            String port = ready.substring(ready.lastIndexOf(' ') + 1);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean ok = RouteGuideClient.run(runDir, "127.0.0.1:" + port, new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(ok, text);
            assertTrue(text.contains("GetPlace (401000000, -749000000): place 1-1"), text);
            assertTrue(text.contains("RouteChat: heard [first, second]"), text);
            assertTrue(text.contains("a call past its deadline: DEADLINE_EXCEEDED"), text);
            assertTrue(text.contains("route: IPC4J"), "the session, not TCP: " + text);
        } finally {
            server.destroy(); // SIGTERM: the server's shutdown hook shuts it down in good order
            assertTrue(server.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals("route guide server stopped", lines(log).getLast(), lines(log).toString());
    }
}
