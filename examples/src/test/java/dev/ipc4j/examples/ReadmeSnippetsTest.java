package dev.ipc4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Java snippets compile (every line of each stands, in order, in {@link ReadmeSnippets}, which is
 * compiled with the tests), and the transport and message snippets run as written: each side of the transport one on
 * a thread of its own, the message one on both ends of a session (each answers the other's GET).
 */
class ReadmeSnippetsTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path SNIPPETS = Path.of("src", "test", "java", "dev", "ipc4j", "examples", "ReadmeSnippets.java");

    @TempDir
    Path runDir;

    /** The README's ```java blocks, each as its non-blank lines with the indentation stripped. */
    private static List<List<String>> blocks() throws Exception {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String line : Files.readAllLines(README)) {
            if (line.strip().equals("```java")) {
                current = new ArrayList<>();
            } else if (line.strip().startsWith("```") && current != null) {
                blocks.add(current);
                current = null;
            } else if (current != null && !line.isBlank()) {
                current.add(line.strip());
            }
        }
        return blocks;
    }

    @Test
    void everyLineOfEveryReadmeSnippetIsInTheCompiledSnippetsInOrder() throws Exception {
        List<String> source = Files.readAllLines(SNIPPETS).stream().map(String::strip).toList();
        List<List<String>> blocks = blocks();
        assertTrue(blocks.size() >= 3, "the README has its snippets: " + blocks.size());
        for (List<String> block : blocks) {
            int at = 0;
            for (String line : block) {
                int found = source.subList(at, source.size()).indexOf(line);
                if (found < 0) {
                    fail("README line not in ReadmeSnippets.java (or out of order): " + line);
                }
                at += found + 1;
            }
        }
    }

    @Test
    void theTransportSnippetRunsBetweenTwoThreads() throws Exception {
        CompletableFuture<Void> a = CompletableFuture.runAsync(() -> {
            try {
                ReadmeSnippets.transportProcessA(runDir);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path socket = runDir.resolve("cache.sock");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(socket)) { // process A listens first, as the README's reader would start it first
            if (System.nanoTime() - deadline >= 0) {
                fail("process A did not listen");
            }
            Thread.onSpinWait();
        }
        ReadmeSnippets.transportProcessB(runDir);
        a.get(20, TimeUnit.SECONDS);
    }

    @Test
    void theMessageSnippetRunsOnBothEndsOfASession() throws Exception {
        ClientApp web = ClientApp.named("web").build();
        ServerApp cache = ServerApp.named("readme").allowing(web).permissions(Permissions.USER).runDirectory(runDir).build();
        CyclicBarrier bothAnswered = new CyclicBarrier(2);
        ReadmeSnippets.awaitPeer = () -> {
            try {
                bothAnswered.await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        try (SessionServer server = SessionServer.start(cache);
             ClientSession client = ClientSession.connect(web, cache, ClientSession.Config.DEFAULT.withInitChannels(1))) {
            ServerSession serverSide = server.accept(Duration.ofSeconds(20));
            CompletableFuture<Void> other = CompletableFuture.runAsync(() -> {
                try {
                    ReadmeSnippets.messages(serverSide);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            ReadmeSnippets.messages(client);
            other.get(20, TimeUnit.SECONDS);
            assertEquals(0x1f1e_dead_beefL, ReadmeSnippets.lastRead, "the response was read in place");
        } finally {
            ReadmeSnippets.awaitPeer = () -> { };
        }
    }

    @Test
    void theConfigurationSnippetMakesEveryConfigAndAnInvalidValueMakesNone() {
        try (dev.ipc4j.transport.Runner runner = ReadmeSnippets.configuration()) {
            assertEquals(4, ReadmeSnippets.configured.size());
            assertEquals(runner, ((dev.ipc4j.session.ClientSession.Config) ReadmeSnippets.configured.get(1)).session().runner().orElseThrow());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dev.ipc4j.shm.ShmArena.Config.of("cache", "blobs").withSegmentSize(100_000));
        assertTrue(e.getMessage().contains("segment size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new dev.ipc4j.session.ArenaConfig(100_000, 1L << 30),
                "the session's arena sizes follow the arena's own rule");
    }
}
