package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every call shape of message protocol version 2 between two processes: unary, server stream, client stream,
 * bidirectional, cancel by either side, the deadline, an unknown type, and the callee's death in mid-call. The child
 * ({@link MessageChild}'s responder) is the callee.
 */
class CallsAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration WAIT = JvmChild.TIMEOUT;

    @TempDir
    Path runDir;

    /** What the caller's listener saw: messages (their ints), the close, and credit coming back. */
    private static final class Seen implements CallListener<MemorySegment> {
        final BlockingQueue<Integer> messages = new LinkedBlockingQueue<>();
        /** The callee's headers, and how many messages had come before them (must be none). */
        volatile Metadata headers;
        volatile int messagesBeforeHeaders = -1;
        final CompletableFuture<Status> closed = new CompletableFuture<>();
        volatile Metadata trailers;
        final Semaphore ready = new Semaphore(0);
        volatile Thread thread;

        @Override
        public void onMessage(InMessage<MemorySegment> m) {
            thread = Thread.currentThread();
            try (m) {
                messages.add(Types.readInt(m.payload()));
            }
        }

        @Override
        public void onHeaders(Metadata headers) {
            messagesBeforeHeaders = messages.size();
            this.headers = headers;
        }

        @Override
        public void onReady() {
            ready.release();
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
            this.trailers = trailers;
            closed.complete(status);
        }

        int next() throws InterruptedException {
            Integer v = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertNotNull(v, "a message came");
            return v;
        }

        Status status() throws Exception {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Sends an int on {@code call}, waiting for the callee's credit when it is used up. */
    private static void sendInt(MessageChannel<MemorySegment> ch, Call<MemorySegment> call, Seen seen, int value)
            throws Exception {
        try (OutMessage out = Types.intMessage(ch, 0, value)) {
            while (call.send(out) == MessageEndpoint.BACK_PRESSURED) {
                assertTrue(seen.ready.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS), "credit came");
            }
        }
    }

    @Test
    void unaryServerStreamClientStreamAndBidirectionalCalls() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);

            Seen unary = new Seen();
            Call<MemorySegment> u = ch.openCall(CallOptions.of("echo.Plus1", Types.CALL_UNARY), unary);
            assertTrue(u.isCaller() && u.isReady(), "one message may go at once");
            sendInt(ch, u, unary, 41);
            u.halfClose();
            assertEquals(42, unary.next());
            assertEquals(Status.OK.code(), unary.status().code());
            assertEquals("child-headers", unary.headers.get("served-by"), "the callee's response headers");
            assertEquals(0, unary.messagesBeforeHeaders, "headers come before the first message");
            assertEquals("child", unary.trailers.get("served-by"));
            assertArrayEquals(new byte[] {0, 1, 2}, unary.trailers.getBytes("n-bin"));
            assertFalse(u.isOpen());
            assertThrows(IllegalStateException.class, () -> u.send(ch.newMessage(4)), "over: nothing more is sent");

            Seen items = new Seen();
            Call<MemorySegment> s = ch.openCall(CallOptions.of("stream.Count", Types.CALL_SERVER_STREAM), items);
            s.request(4); // five in all with the initial one; the rest as we read
            sendInt(ch, s, items, 12);
            s.halfClose();
            for (int i = 0; i < 12; i++) {
                assertEquals(i, items.next());
                if (i >= 4) {
                    s.request(1);
                }
            }
            assertTrue(items.status().isOk());

            Seen sum = new Seen();
            Call<MemorySegment> c = ch.openCall(CallOptions.of("stream.Sum", Types.CALL_CLIENT_STREAM), sum);
            for (int i = 1; i <= 10; i++) {
                sendInt(ch, c, sum, i); // past the first, the callee's grant of 100 carries them
            }
            c.halfClose();
            assertEquals(55, sum.next());
            assertTrue(sum.status().isOk());

            Seen echoes = new Seen();
            Call<MemorySegment> b = ch.openCall(CallOptions.of("echo.Times10", Types.CALL_BIDI), echoes);
            b.request(9);
            for (int i = 1; i <= 10; i++) {
                sendInt(ch, b, echoes, i);
                assertEquals(i * 10, echoes.next(), "an answer per message, in turn");
            }
            b.halfClose();
            assertTrue(echoes.status().isOk());
            assertEquals("yes", echoes.trailers.get("echoed"));
        }
    }

    /**
     * Within a large grant, a full ring does not stop a call's sender: its messages wait in order (the callee holds
     * them all, so 3,000 of 2 KiB cannot fit its 1 MiB ring) and the half-close does not overtake them.
     */
    @Test
    void withinTheCreditAFullRingDefersMessagesInOrder() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            Seen sink = new Seen();
            Call<MemorySegment> c = ch.openCall(CallOptions.of("sink.Hold", Types.CALL_SINK), sink);
            int count = 3_000;
            int sum = 0;
            for (int i = 0; i < count; i++) {
                try (OutMessage out = ch.newMessage(2048, 0)) {
                    out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                    while (c.send(out) == MessageEndpoint.BACK_PRESSURED) {
                        assertTrue(sink.ready.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS), "credit came");
                    }
                }
                sum += i;
            }
            c.halfClose();
            assertTrue(sink.status().isOk(), sink.status().toString());
            assertEquals(Integer.toString(count), sink.trailers.get("count"));
            assertEquals(Integer.toString(sum), sink.trailers.get("sum"));
            assertEquals("true", sink.trailers.get("in-order"));
        }
    }

    @Test
    void eitherSideCancelsAndTheDeadlineExpiresOnBothSides() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);

            Seen hung = new Seen();
            Call<MemorySegment> h = ch.openCall(CallOptions.of("hang.Cancelled", Types.CALL_HANG)
                    .withHeaders(Metadata.empty().with("who", "test")), hung);
            assertEquals("hang.Cancelled false test", peer.child.expect("CALL-OPENED"));
            h.cancel();
            assertEquals(Status.CANCELLED.code(), hung.status().code(), "ended here at once");
            assertEquals("hang.Cancelled " + Status.CANCELLED.code(), peer.child.expect("CALL-ENDED"), "the callee is told");

            Seen refused = new Seen();
            Call<MemorySegment> r = ch.openCall(CallOptions.of("callee.Cancels", Types.CALL_CALLEE_CANCELS), refused);
            sendInt(ch, r, refused, 1);
            Status byCallee = refused.status();
            assertEquals(Status.CANCELLED.code(), byCallee.code());
            assertTrue(byCallee.description().contains("callee"), byCallee.description());

            Seen late = new Seen();
            long start = System.nanoTime();
            ch.openCall(CallOptions.of("hang.Deadline", Types.CALL_HANG).withTimeout(Duration.ofMillis(300)), late);
            assertEquals("hang.Deadline true null", peer.child.expect("CALL-OPENED"), "the deadline travels");
            Status expired = late.status();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(Status.DEADLINE_EXCEEDED.code(), expired.code());
            assertTrue(tookMillis >= 250 && tookMillis < 5_000, "expired after about 300 ms: " + tookMillis);
            assertEquals("hang.Deadline " + Status.DEADLINE_EXCEEDED.code(), peer.child.expect("CALL-ENDED"),
                    "the callee's side expired too");

            Seen unknown = new Seen();
            ch.openCall(CallOptions.of("nobody.Home", 99), unknown);
            assertEquals(Status.UNIMPLEMENTED.code(), unknown.status().code());

            // The channel goes on after all of that.
            Seen unary = new Seen();
            Call<MemorySegment> u = ch.openCall(CallOptions.of("echo.Plus1", Types.CALL_UNARY), unary);
            sendInt(ch, u, unary, 1);
            assertEquals(2, unary.next());
            assertTrue(unary.status().isOk());
        }
    }

    @Test
    void theCalleesDeathEndsEveryOpenCallWithUnavailable() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            List<Seen> seen = List.of(new Seen(), new Seen(), new Seen());
            for (int i = 0; i < seen.size(); i++) {
                ch.openCall(CallOptions.of("hang.Death" + i, Types.CALL_HANG), seen.get(i));
                peer.child.expect("CALL-OPENED");
            }
            peer.child.kill();
            for (Seen s : seen) {
                assertEquals(Status.UNAVAILABLE.code(), s.status().code(), "told once the peer is gone");
            }
            assertThrows(ChannelClosedException.class,
                    () -> ch.openCall(CallOptions.of("too.Late", Types.CALL_UNARY), new Seen()));
        }
    }
}
