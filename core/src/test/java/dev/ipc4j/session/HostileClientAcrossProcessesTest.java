package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.InvalidHandleException;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Receipt;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defects 3, 7 and 8 across real processes: a client process (a child JVM) does to a server in this process
 * what a hostile peer would; the server answers with the documented error and keeps nothing of it.
 */
class HostileClientAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final long WAIT = JvmChild.TIMEOUT.toSeconds();

    @TempDir
    Path runDir;

    /** Defect 3: a channel request carrying a descriptor that is not a socket ends that session and leaks nothing. */
    @Test
    void aChannelRequestWhoseDescriptorIsNotASocketEndsTheSessionAndLeaksNothing() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            CompletableFuture<SessionEnd> end = new CompletableFuture<>();
            server.onSession(s -> s.ended().thenAccept(end::complete));
            long baseline = NoLeaks.descriptorCount();
            try (JvmChild client = JvmChild.start(SessionChild.class, "open-not-socket", runDir.toString())) {
                client.expect("SENT");
                SessionEnd how = end.get(WAIT, TimeUnit.SECONDS);
                assertTrue(how instanceof SessionEnd.ProtocolViolation v && v.why().contains("usable socket"), String.valueOf(how));
                client.expect("ENDED"); // the server dropped it: the client sees its session gone
            }
            awaitDescriptors(baseline);
        }
    }

    /** Defect 8: bytes that are no log-in get the documented refusal, MALFORMED_LOGIN, not a dropped socket. */
    @Test
    void aMalformedLogInIsRefusedWithItsReason() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild client = JvmChild.start(SessionChild.class, "malformed-login", runDir.toString())) {
            assertEquals("REFUSED MALFORMED_LOGIN", "REFUSED " + client.expect("REFUSED"));
        }
    }

    /**
     * Defect 7: a client process that hands the server a handle of a block of the server's app arena that was never
     * lent to it (as if guessed) gets nothing read: the borrow fails with InvalidHandleException (MALFORMED), while the block that
     * was lent comes back fine.
     */
    @Test
    void aGuessedHandleIntoTheServersMemoryIsRefused() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             ShmBlock secret = server.appArena().allocate(4096);
             ShmBlock lent = server.appArena().allocate(4096)) {
            secret.memory().fill((byte) 0x5E);
            lent.memory().fill((byte) 0x11);
            CompletableFuture<ServerSession> session = new CompletableFuture<>();
            server.onSession(session::complete);
            try (JvmChild client = JvmChild.start(SessionChild.class, "hand-back", runDir.toString())) {
                ServerSession s = session.get(WAIT, TimeUnit.SECONDS);
                MemorySegment handles = MemorySegment.ofArray(new byte[2 * SessionHandle.BYTES]);
                s.lend(lent).writeTo(handles, 0);
                new SessionHandle(SessionHandle.Scope.SERVER_APP, server.appArena().lend(secret)).writeTo(handles, SessionHandle.BYTES);
                s.channel(0).blobs().send(handles);
                assertEquals("17", client.expect("BORROWED"));
                byte[][] back = new byte[1][];
                assertEquals(Receipt.MESSAGE, s.channel(0).blobs().receive(b -> back[0] = b.toArray(), java.time.Duration.ofSeconds(WAIT)));
                MemorySegment m = MemorySegment.ofArray(back[0]);
                SessionHandle guessed = SessionHandle.readFrom(m, 0);
                assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> s.borrow(guessed)).reason());
                try (Lease returned = s.borrow(SessionHandle.readFrom(m, SessionHandle.BYTES))) {
                    assertEquals(0x11, returned.memory().get(ValueLayout.JAVA_BYTE, 4095));
                }
                client.send("EXIT");
            }
        }
    }

    /**
     * Defect 1: connections that end before their HELLO (another process opens and closes twenty) cost the server
     * nothing: each log-in thread sees the end at once and leaves, long before the 10 s handshake deadline (it used to
     * spin at full CPU until then).
     */
    @Test
    void connectionsThatEndBeforeTheirHelloAreGoneAtOnce() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild hostile = JvmChild.start(dev.ipc4j.transport.HostileConnector.class, "end-before-hello", "20",
                     server.socketPath().toString())) {
            assertEquals("20", hostile.expect("DONE"));
            dev.ipc4j.testing.Eventually.await(() -> NoLeaks.threadsNamed("ipc4j-login-") == 0, "no log-in thread left", java.time.Duration.ofSeconds(5));
            try (ClientSession s = ClientSession.connect(Apps.WEB, Apps.cache(runDir))) {
                assertTrue(s.isOpen());
            }
        }
    }

    /**
     * Defect 2 and the acceptance's "descriptor-stuffing peer": another process sends twenty HELLOs each carrying ten
     * descriptors no frame claims, and a logged-in client sends a PING carrying ten. Each is closed at once and breaks
     * only its own connection or session; meanwhile a legitimate client logs in and its round trips work; afterwards the
     * server's descriptors are back at their baseline.
     */
    @Test
    void descriptorsNoFrameClaimsAreClosedAndALegitimateClientGoesOn() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            java.util.List<ServerSession> sessions = new java.util.concurrent.CopyOnWriteArrayList<>();
            server.onSession(sessions::add);
            long baseline = NoLeaks.descriptorCount();
            try (JvmChild stuffer = JvmChild.start(dev.ipc4j.transport.HostileConnector.class, "hello-fds", "20",
                    server.socketPath().toString())) {
                assertEquals("20", stuffer.expect("STUFFED"));
                try (JvmChild pinger = JvmChild.start(SessionChild.class, "forge", runDir.toString(), "ping-fds")) {
                    pinger.expect("CONNECTED");
                    pinger.expect("SENT");
                    pinger.expect("AFTER"); // the server dropped the session: its receive ends or fails
                }
                try (JvmChild good = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
                    good.expect("READY");
                    ServerSession legit = sessions.getLast();
                    Echo.drive(legit.channel(0), 200, 9); // the client echoes on its init channel
                    good.send("EXIT");
                    good.expect("END");
                }
                assertInstanceOf(SessionEnd.ProtocolViolation.class, sessions.getFirst().ended().get(WAIT, TimeUnit.SECONDS));
                stuffer.send("EXIT");
            }
            awaitDescriptors(baseline);
            dev.ipc4j.testing.Eventually.await(() -> NoLeaks.threadsNamed("ipc4j-login-") == 0, "no log-in thread left", java.time.Duration.ofSeconds(WAIT));
        }
    }



    private static void awaitDescriptors(long baseline) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (NoLeaks.descriptorCount() > baseline && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(baseline, NoLeaks.descriptorCount(), "the server's descriptors after the session ended");
    }
}
