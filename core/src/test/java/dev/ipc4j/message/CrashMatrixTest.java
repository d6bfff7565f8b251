package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionEnd;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.PeerGoneException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash matrix (issue 13): one side killed with SIGKILL at a chosen point of the message layer, the other (this
 * process) left to cope. Each case says what the survivor sees and within what time: pending operations fail with
 * {@link ChannelClosedException} caused by {@link PeerGoneException}, what was already delivered stays readable (its
 * memory is a memfd this process still maps), and nothing is left behind ({@link NoLeaks}: descriptors back to their
 * baseline, nothing in /dev/shm). The session layer's points (log-in, channel open) are in
 * {@code dev.ipc4j.session.CrashAtSetUpTest}; a client killed mid-request and mid-stream in
 * {@code MessageChannelAcrossProcessesTest.peerDeathFailsPendingRequestsAndStreams}.
 */
class CrashMatrixTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = JvmChild.TIMEOUT;
    /** How soon a survivor must be told; the pidfd and the socket's end usually tell within milliseconds. */
    private static final long TOLD_WITHIN_MILLIS = 5_000;
    private static final int SHARED = 100_000;

    @TempDir
    Path runDir;

    // ------------------------------------------------------------------------------------ the client is killed

    @Test
    void aClientKilledWhileHoldingTheServersMemory() throws Exception {
        try (SessionServer server = SessionServer.start(Types.cache(runDir));
             JvmChild client = JvmChild.start(MessageChild.class, "responder", runDir.toString(), "1", "false")) {
            ServerSession session = server.accept(WAIT);
            client.expect("READY");
            try (MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                 OutMessage out = ch.newMessage(SHARED, Types.SLOW)) {
                CompletableFuture<InMessage<MemorySegment>> request = ch.request(out);
                client.expect("HELD"); // it holds a lease on this process's session arena
                long killed = kill(client);
                assertPeerGone(request, killed);
                assertInstanceOf(SessionEnd.PeerGone.class, session.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void aClientKilledWhileBlockedSending() throws Exception {
        int bound = 64;
        try (SessionServer server = SessionServer.start(Types.cache(runDir));
             JvmChild flooder = JvmChild.start(MessageChild.class, "flooder", runDir.toString())) {
            ServerSession session = server.accept(WAIT);
            flooder.expect("READY");
            BlockingQueue<InMessage<MemorySegment>> held = new LinkedBlockingQueue<>();
            try (MessageChannel<MemorySegment> ch = MessageChannel.over(session, session.channel(0), RawCodec.INSTANCE,
                    MessageChannel.Config.DEFAULT.withMaxUnhandled(bound, 1L << 30))) {
                ch.expectEvery(Types.FLOOD, held::add); // never closed: reading stops at the bound, the ring fills
                flooder.send("FLOOD 100000");
                flooder.expect("BACKPRESSURED"); // and now blocked in a send that waits for room
                long killed = kill(flooder);
                SessionEnd end = session.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertInstanceOf(SessionEnd.PeerGone.class, end);
                assertTold(killed);
                // What was delivered lives in the dead process's memory and still reads whole.
                List<InMessage<MemorySegment>> taken = new ArrayList<>();
                held.drainTo(taken);
                assertTrue(taken.size() >= bound, "held " + taken.size());
                for (int i = 0; i < taken.size(); i++) {
                    try (InMessage<MemorySegment> m = taken.get(i)) {
                        assertEquals(i, m.payload().get(ValueLayout.JAVA_INT_UNALIGNED, 0));
                    }
                }
            }
        }
    }

    /**
     * Issue 13, defect 6, teardown: the session's end meets an {@link Error} from every user callback it runs (the
     * channel's error handler, the session's end handler) and still releases everything: nothing leaks
     * ({@link NoLeaks}) and the server then stops at once, not after a close timeout.
     */
    @Test
    void aTeardownThatMeetsErrorsStillReleasesEverything() throws Exception {
        SessionServer server = SessionServer.start(Types.cache(runDir));
        try (JvmChild client = JvmChild.start(MessageChild.class, "responder", runDir.toString(), "1", "false")) {
            ServerSession session = server.accept(WAIT);
            client.expect("READY");
            MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
            CompletableFuture<Void> errorHandlerRan = new CompletableFuture<>();
            ch.onError(e -> {
                errorHandlerRan.complete(null);
                throw new AssertionError("an Error from the channel's error handler, on purpose");
            });
            session.onEnd(end -> {
                throw new OutOfMemoryError("an Error from the session's end handler, on purpose");
            });
            try (OutMessage out = ch.newMessage(SHARED, Types.SLOW)) {
                CompletableFuture<InMessage<MemorySegment>> request = ch.request(out);
                client.expect("HELD");
                assertPeerGone(request, kill(client));
            }
            errorHandlerRan.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertInstanceOf(SessionEnd.PeerGone.class, session.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS));
        } finally {
            long start = System.nanoTime();
            server.close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 2_000, "the server stopped in " + millis + " ms");
        }
    }

    // ------------------------------------------------------------------------------------ the server is killed

    @Test
    void aServerKilledMidRequest() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = connect(); MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                 OutMessage out = ch.newMessage(SHARED, Types.SLOW)) {
                CompletableFuture<InMessage<MemorySegment>> request = ch.request(out);
                server.expect("HELD");
                assertPeerGone(request, kill(server));
            }
        }
    }

    @Test
    void aServerKilledMidStream() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = connect(); MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                 OutMessage out = ch.newMessage(0, Types.ENDLESS)) {
                BlockingQueue<Integer> items = new LinkedBlockingQueue<>();
                StreamCall stream = ch.requestStream(out, item -> {
                    try (item) {
                        items.add(Types.readInt(item.payload()));
                    }
                });
                for (int i = 0; i < 10; i++) {
                    assertEquals(i, items.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
                }
                assertPeerGone(stream.done(), kill(server));
            }
        }
    }

    @Test
    void aServerKilledWhileTheClientHoldsItsMemory() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = connect(); MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                InMessage<MemorySegment> reply;
                long sent;
                try (OutMessage out = ch.newMessage(SHARED, Types.ECHO)) {
                    for (long at = 0; at + 8 <= SHARED; at += 8) {
                        out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, at, at * 31);
                    }
                    sent = Types.crc(out.payload());
                    reply = ch.request(out, WAIT); // built in the server's session arena
                }
                try (reply) {
                    assertTrue(reply.isShared());
                    long killed = kill(server);
                    assertInstanceOf(SessionEnd.PeerGone.class, session.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS));
                    assertTold(killed);
                    assertEquals(sent, Types.crc(reply.payload()), "the dead server's reply still reads whole");
                }
            }
        }
    }

    @Test
    void aServerKilledWhileTheClientIsBlockedSending() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "holding-server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = connect(); MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                int i = 0;
                while (true) {
                    try (OutMessage out = ch.newMessage(4096, Types.FLOOD)) {
                        out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i++);
                        if (ch.offer(out) == MessageEndpoint.BACK_PRESSURED) {
                            break; // the ring is full: the server holds 64 and reads no more
                        }
                    }
                }
                server.expect("HELD 64");
                while (true) { // it reads no more now: fill what it took off the ring before it stopped
                    try (OutMessage out = ch.newMessage(4096, Types.FLOOD)) {
                        out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i++);
                        if (ch.offer(out) == MessageEndpoint.BACK_PRESSURED) {
                            break;
                        }
                    }
                }
                CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
                    try (OutMessage out = ch.newMessage(4096, Types.FLOOD)) {
                        ch.send(out); // waits for room that never comes
                    } catch (MessageException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
                long killed = kill(server);
                ExecutionException failure = assertThrows(ExecutionException.class, () -> blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertTold(killed);
                assertInstanceOf(ChannelClosedException.class, failure.getCause(), failure.toString());
            }
        }
    }

    // --------------------------------------------------------------------------------------------------- helpers

    private ClientSession connect() throws Exception {
        return ClientSession.connect(Types.WEB, Types.cache(runDir), ClientSession.Config.DEFAULT.withInitChannels(1));
    }

    /** Kills the child with SIGKILL and waits until it is gone; returns when (nanoTime). */
    private static long kill(JvmChild child) throws InterruptedException {
        child.kill();
        child.awaitExit();
        return System.nanoTime();
    }

    private static void assertPeerGone(CompletableFuture<?> pending, long killed) throws Exception {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> pending.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertTold(killed);
        assertInstanceOf(ChannelClosedException.class, failure.getCause(), failure.toString());
        assertInstanceOf(PeerGoneException.class, failure.getCause().getCause(), String.valueOf(failure.getCause()));
    }

    private static void assertTold(long killed) {
        long millis = (System.nanoTime() - killed) / 1_000_000;
        assertTrue(millis < TOLD_WITHIN_MILLIS, "told " + millis + " ms after the peer was gone");
    }
}
