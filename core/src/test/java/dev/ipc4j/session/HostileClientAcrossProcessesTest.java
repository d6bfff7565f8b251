package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.MalformedHandleException;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Receipt;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
            long baseline = descriptors();
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
     * lent to it (as if guessed) gets nothing read: the borrow fails with MalformedHandleException, while the block that
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
                assertThrows(MalformedHandleException.class, () -> s.borrow(guessed));
                try (Lease returned = s.borrow(SessionHandle.readFrom(m, SessionHandle.BYTES))) {
                    assertEquals(0x11, returned.memory().get(ValueLayout.JAVA_BYTE, 4095));
                }
                client.send("EXIT");
            }
        }
    }

    private static long descriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    private static void awaitDescriptors(long baseline) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
        while (descriptors() > baseline && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(baseline, descriptors(), "the server's descriptors after the session ended");
    }
}
