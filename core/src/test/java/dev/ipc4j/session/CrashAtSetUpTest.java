package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.PeerGoneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix's set-up points (issue 13): one side killed with SIGKILL during log-in or while a channel is being
 * opened; the survivor (this process) is told well within the 10 s handshake and channel-open deadlines, fails what
 * was pending with a typed exception, keeps nothing ({@link NoLeaks}) and carries on. The message layer's points are
 * in {@code dev.ipc4j.message.CrashMatrixTest}.
 */
class CrashAtSetUpTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final long WAIT = JvmChild.TIMEOUT.toSeconds();
    private static final Duration TOLD_WITHIN = Duration.ofSeconds(5);

    @TempDir
    Path runDir;

    @Test
    void aClientKilledDuringLogIn() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            long baseline = NoLeaks.descriptorCount();
            try (JvmChild client = JvmChild.start(dev.ipc4j.transport.HostileConnector.class, "hello-hold", "1",
                    server.socketPath().toString())) {
                client.expect("HELD"); // past the transport handshake, before its LOGIN
                client.kill();
                client.awaitExit();
            }
            Eventually.await(() -> NoLeaks.threadsNamed("ipc4j-login-") == 0, "the log-in thread gone", TOLD_WITHIN);
            Eventually.await(() -> NoLeaks.descriptorCount() <= baseline, "descriptors back to " + baseline, TOLD_WITHIN);
            try (ClientSession s = ClientSession.connect(Apps.WEB, Apps.cache(runDir))) {
                assertTrue(s.isOpen(), "the server carries on");
            }
        }
    }

    @Test
    void aServerKilledDuringLogIn() throws Exception {
        try (JvmChild server = JvmChild.start(SessionChild.class, "mute-server", runDir.toString())) {
            server.expect("STARTED");
            CompletableFuture<ClientSession> connecting = CompletableFuture.supplyAsync(() -> {
                try {
                    return ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                            ClientSession.Config.DEFAULT.withRetry(RetryPolicy.NONE));
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            server.expect("ACCEPTED"); // the client waits for the server's side of the handshake
            server.kill();
            server.awaitExit();
            long killed = System.nanoTime();
            ExecutionException failure = assertThrows(ExecutionException.class, () -> connecting.get(WAIT, TimeUnit.SECONDS));
            assertTold(killed);
            assertInstanceOf(PeerGoneException.class, failure.getCause(), failure.toString());
        }
        removeLeftovers();
    }

    @Test
    void aClientKilledDuringChannelOpen() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild client = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
            CompletableFuture<ChannelRequest> asked = new CompletableFuture<>();
            CountDownLatch decide = new CountDownLatch(1);
            CompletableFuture<Throwable> accepted = new CompletableFuture<>();
            CompletableFuture<ServerSession> session = new CompletableFuture<>();
            server.onSession(s -> {
                session.complete(s);
                s.onChannel(request -> {
                    asked.complete(request);
                    try {
                        decide.await(); // the server is deciding when its client dies
                        request.accept().close();
                        accepted.complete(null);
                    } catch (Throwable e) {
                        accepted.complete(e);
                    }
                });
            });
            client.expect("READY");
            client.send("OPEN");
            asked.get(WAIT, TimeUnit.SECONDS);
            client.kill();
            client.awaitExit();
            long killed = System.nanoTime();
            assertInstanceOf(SessionEnd.PeerGone.class, session.get(WAIT, TimeUnit.SECONDS).ended().get(WAIT, TimeUnit.SECONDS));
            assertTold(killed);
            decide.countDown();
            assertInstanceOf(PeerGoneException.class, accepted.get(WAIT, TimeUnit.SECONDS), "accepting a channel of a session whose client died");
        }
    }

    @Test
    void aServerKilledDuringChannelOpen() throws Exception {
        try (JvmChild server = JvmChild.start(SessionChild.class, "stalling-server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir))) {
                CompletableFuture<Object> opening = CompletableFuture.supplyAsync(() -> {
                    try {
                        return session.openChannel("stall".getBytes(), Duration.ofSeconds(WAIT));
                    } catch (IOException | InterruptedException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                server.expect("REQUESTED");
                server.kill();
                server.awaitExit();
                long killed = System.nanoTime();
                ExecutionException failure = assertThrows(ExecutionException.class, () -> opening.get(WAIT, TimeUnit.SECONDS));
                assertTold(killed);
                assertInstanceOf(dev.ipc4j.Ipc4jException.class, failure.getCause(), failure.toString()); // gone, or closed by it
                assertInstanceOf(SessionEnd.PeerGone.class, session.ended().get(WAIT, TimeUnit.SECONDS));
            }
        }
        removeLeftovers();
    }

    /** What a killed server leaves in the run directory (its socket, pid file), as its successor would remove it. */
    private void removeLeftovers() throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void assertTold(long killed) {
        long millis = (System.nanoTime() - killed) / 1_000_000;
        assertTrue(millis < TOLD_WITHIN.toMillis(), "told " + millis + " ms after the peer was gone");
    }


}
