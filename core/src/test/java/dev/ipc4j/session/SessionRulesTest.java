package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Channel;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The session's rules: file modes, channel refusal and timeout, a graceful end that waits for borrowers. */
class SessionRulesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final long WAIT = JvmChild.TIMEOUT.toSeconds();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Permissions.class)
    void everyFileHasThePermissionLevelsModeAndNoMemoryHasAName(Permissions level) throws Exception {
        Path runDir = tmp.resolve("run"); // missing: the server creates it
        ServerApp cache = Apps.cache(runDir, level, Apps.WEB);
        try (SessionServer server = SessionServer.start(cache);
             JvmChild client = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
            CompletableFuture<ServerSession> session = new CompletableFuture<>();
            server.onSession(session::complete);
            client.expect("READY");
            ServerSession s = session.get(WAIT, TimeUnit.SECONDS);
            try (ShmBlock a = s.arena().allocate(100); ShmBlock b = server.appArena().allocate(100)) {
                assertEquals(level.directoryMode(), mode(runDir));
                assertEquals(level.mode(), mode(server.socketPath()));
                assertEquals(level.mode(), mode(server.pidFile()));
                assertEquals(level.mode(), mode(runDir.resolve("ipc4j.cache.lock")));
                // The arenas are memfds passed over the session's socket: nothing in /dev/shm for anyone to open.
                assertEquals(List.of(), objectsOf(ProcessHandle.current().pid()));
            }
            client.send("EXIT");
            client.expect("END ClosedHere");
        }
    }

    @Test
    void aRefusedOrUnansweredChannelRequestLeavesTheSessionOpen() throws Exception {
        Path runDir = tmp;
        CountDownLatch release = new CountDownLatch(1);
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            server.onSession(s -> s.onChannel(request -> {
                switch (new String(request.metadata())) {
                    case "no" -> request.refuse("not today");
                    case "slow" -> {
                        try {
                            release.await(WAIT, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    default -> {
                        try {
                            Echo.serve(request.accept());
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }
                }
            }));
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir))) {
                var refused = assertThrows(ChannelRefusedException.class, () -> session.openChannel("no".getBytes(), Duration.ofSeconds(WAIT)));
                assertEquals("the peer refused the channel: not today", refused.getMessage());
                assertThrows(SessionTimeoutException.class, () -> session.openChannel("slow".getBytes(), Duration.ofMillis(300)));
                release.countDown(); // the slow handler returns undecided: refused, to nobody
                Channel ok = session.openChannel("yes".getBytes(), Duration.ofSeconds(WAIT));
                Echo.drive(ok, 20, 3);
                assertTrue(session.isOpen());
            }
        }
    }

    @Test
    void aGracefulCloseWaitsForThePeerToReleaseWhatItBorrowed() throws Exception {
        Path runDir = tmp;
        SessionServer.Config config = SessionServer.Config.DEFAULT.withSession(SessionConfig.DEFAULT.withCloseTimeout(Duration.ofSeconds(WAIT)));
        try (SessionServer server = SessionServer.start(Apps.cache(runDir), config)) {
            CompletableFuture<ServerSession> accepted = new CompletableFuture<>();
            server.onSession(accepted::complete);
            ClientSession client = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT
                    .withInitChannels(1).withSession(SessionConfig.DEFAULT.withCloseTimeout(Duration.ofSeconds(WAIT))));
            ServerSession s = accepted.get(WAIT, TimeUnit.SECONDS);
            ShmBlock block = s.arena().allocate(4096);
            block.memory().set(ValueLayout.JAVA_LONG, 0, 42);
            Lease lease = client.borrow(SessionHandle.fromBytes(s.lend(block).toBytes()));
            block.close();
            CountDownLatch clientTold = new CountDownLatch(1);
            long[] readInHandler = new long[1];
            client.onEnd(end -> {
                readInHandler[0] = lease.memory().get(ValueLayout.JAVA_LONG, 0); // still mapped: the server waits
                clientTold.countDown();
                lease.close();
            });
            s.close();
            assertTrue(clientTold.await(WAIT, TimeUnit.SECONDS));
            assertEquals(42, readInHandler[0]);
            assertInstanceOf(SessionEnd.ClosedByPeer.class, client.ended().get(WAIT, TimeUnit.SECONDS));
            assertInstanceOf(SessionEnd.ClosedHere.class, s.ended().get(WAIT, TimeUnit.SECONDS));
            client.close();
        }
    }

    @Test
    void handlesSurviveSerialization() {
        var h = new SessionHandle(SessionHandle.Scope.SERVER_APP, new dev.ipc4j.shm.ShmHandle(3, 4096, 100, (7L << 32) | 2));
        assertEquals(h, SessionHandle.fromBytes(h.toBytes()));
        byte[] bad = h.toBytes();
        bad[0] = 9;
        assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> SessionHandle.fromBytes(bad)).reason());
        assertArrayEquals(new byte[SessionHandle.BYTES], new byte[40]);
    }

    private static int mode(Path p) throws Exception {
        Set<PosixFilePermission> bits = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        int mode = 0;
        for (PosixFilePermission b : bits) {
            mode |= 1 << (8 - b.ordinal());
        }
        return mode;
    }

    private static List<Path> objectsOf(long pid) throws Exception {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("ipc4j.cache." + pid + ".")).sorted().toList();
        }
    }
}
