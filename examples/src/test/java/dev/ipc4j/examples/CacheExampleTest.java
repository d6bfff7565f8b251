package dev.ipc4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.NoLeaks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The cache example across two processes: the server in a child JVM, the client here. */
class CacheExampleTest {
    /** Every descriptor and /dev/shm object the test opened here is gone after it (the one leak check). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path runDir;

    @Test
    void theClientReadsEveryValueInPlaceAndTheServerStopsCleanly() throws Exception {
        List<String> command = CacheExample.serverCommand(runDir);
        Path log = runDir.resolve("server.log");
        Process server = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Eventually.await(() -> !server.isAlive() || read(log).contains("cache server ready"), "the server's ready line",
                    Duration.ofSeconds(60));
            assertTrue(Files.readString(log).startsWith("cache server ready: pid " + server.pid()), Files.readString(log));

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean intact = CacheClient.run(runDir, List.of("greeting", "model", "missing"), new PrintStream(out, true, StandardCharsets.UTF_8));
            String text = out.toString(StandardCharsets.UTF_8);
            assertTrue(intact, text);
            assertTrue(text.contains("greeting             13"), text);
            assertTrue(text.contains("all 67108864 bytes as expected"), text);
            assertTrue(text.lines().anyMatch(l -> l.startsWith("missing") && l.endsWith("not in the cache")), text);
        } finally {
            server.destroy(); // SIGTERM: the server's shutdown hook closes it in good order
            assertTrue(server.waitFor(60, TimeUnit.SECONDS));
        }
        List<String> said = Files.readAllLines(log);
        assertTrue(said.stream().anyMatch(l -> l.matches("session \\d+ ended: ClosedByPeer\\[\\]")), said.toString());
        assertEquals("cache server stopped", said.getLast(), said.toString());
        try (Stream<Path> shm = Files.list(Path.of("/dev/shm"))) {
            assertEquals(List.of(), shm.filter(p -> p.getFileName().toString().startsWith("ipc4j.cache." + server.pid())).toList());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
