package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both pipe kinds between two real JVM processes. */
class ChannelAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration LONG = JvmChild.TIMEOUT;

    @TempDir
    Path dir;

    /** The exception a failed future's task threw, out of its Execution/Completion wrappers. */
    static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof java.util.concurrent.CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Spins until {@code condition} holds, failing after {@link #LONG}. */
    private static void awaitTrue(java.util.function.BooleanSupplier condition, String failure) {
        long deadline = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.onSpinWait();
        }
    }

    /** SIGKILLs the child; {@code pending} must then fail with {@link PeerGoneException} within one second. */
    private static void killAndExpectPeerGoneWithinOneSecond(JvmChild child, CompletableFuture<?> pending) {
        long killedAt = System.nanoTime();
        child.kill();
        ExecutionException e = assertThrows(ExecutionException.class, () -> pending.get(LONG.toMillis(), TimeUnit.MILLISECONDS));
        long noticed = System.nanoTime() - killedAt;
        assertInstanceOf(PeerGoneException.class, unwrap(e));
        assertTrue(noticed < TimeUnit.SECONDS.toNanos(1), "noticed after " + noticed / 1_000_000 + " ms");
    }

    private Path socket() {
        return dir.resolve("channel.sock");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void aMillionMessagesOfRandomSizesArriveIntactAndInOrderThenEndOfStream(String mode) throws Exception {
        long seed = 42;
        long count = 1_000_000;
        Traffic expected = new Traffic(seed);
        try (Channel.Listener listener = Channel.listen(socket(), 0600, TransportChild.config(mode));
                JvmChild child = JvmChild.start(TransportChild.class, "stream", socket().toString(), mode, "" + seed, "" + count);
                Channel channel = listener.accept(LONG)) {
            assertEquals(mode.equals("ring"), channel.hasRing());
            BlobPipe pipe = channel.blobs();
            long[] next = {0};
            String[] problem = {null};
            BlobHandler verify = blob -> {
                String p = Traffic.check(blob, next[0], expected.nextSize(next[0]));
                if (p != null && problem[0] == null) {
                    problem[0] = p;
                }
                next[0]++;
            };
            Receipt r;
            while ((r = pipe.receive(verify, LONG)) == Receipt.MESSAGE) {
                if (problem[0] != null) {
                    break;
                }
            }
            assertNull(problem[0]);
            assertEquals(Receipt.ENDED, r, "after " + next[0] + " messages");
            assertEquals(count, next[0], "every message arrived exactly once");
            assertEquals(BlobPipe.ENDED, pipe.poll(verify, 10), "end of stream stays");
            child.expect("CONNECTED");
            assertEquals("" + count, child.expect("SENT"));
            assertEquals(0, child.awaitExit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void messagesEchoBothWays(String mode) throws Exception {
        Traffic traffic = new Traffic(7);
        Traffic expected = new Traffic(7);
        try (Channel.Listener listener = Channel.listen(socket(), 0600, TransportChild.config(mode));
                JvmChild child = JvmChild.start(TransportChild.class, "echo", socket().toString(), mode);
                Channel channel = listener.accept(LONG)) {
            BlobPipe pipe = channel.blobs();
            for (long i = 0; i < 2000; i++) {
                pipe.send(traffic.message(i, traffic.nextSize(i)));
                long n = i;
                String[] problem = {"nothing"};
                assertEquals(Receipt.MESSAGE, pipe.receive(blob -> problem[0] = Traffic.check(blob, n, expected.nextSize(n)), LONG));
                assertNull(problem[0]);
            }
            pipe.endSending();
            assertEquals(Receipt.ENDED, pipe.receive(blob -> { }, LONG));
            child.expect("CONNECTED");
            assertEquals(0, child.awaitExit());
        }
    }

    /**
     * Issue 13, a hostile peer at the ring layer, across processes: a child writes random words all over its mapping of
     * the shared ring (positions, record headers, data, both directions) while it sends. This process sees only
     * messages or a typed {@link TransportException}, never another exception or a crash, and a well-behaved channel to
     * another process goes on meanwhile.
     */
    @Test
    void aPeerScribblingOverTheSharedRingGivesOnlyTypedErrors() throws Exception {
        Path good = dir.resolve("good.sock");
        try (Channel.Listener listener = Channel.listen(socket(), 0600, TransportChild.config("ring"));
                Channel.Listener goodListener = Channel.listen(good, 0600, TransportChild.config("ring"));
                JvmChild hostile = JvmChild.start(TransportChild.class, "scribble-ring", socket().toString(), "ring", "31");
                JvmChild echo = JvmChild.start(TransportChild.class, "echo", good.toString(), "ring");
                Channel channel = listener.accept(LONG);
                Channel goodChannel = goodListener.accept(LONG)) {
            assertTrue(channel.hasRing());
            long messages = 0;
            String outcome = "still open";
            long deadline = System.nanoTime() + LONG.toNanos();
            Traffic traffic = new Traffic(3);
            Traffic expected = new Traffic(3);
            long echoed = 0;
            while (System.nanoTime() < deadline) {
                try {
                    Receipt r = channel.blobs().receive(blob -> { }, Duration.ofSeconds(2));
                    if (r == Receipt.MESSAGE) {
                        messages++;
                    } else {
                        outcome = r.toString();
                        break;
                    }
                } catch (TransportException e) {
                    outcome = e.getClass().getSimpleName();
                    break;
                }
                goodChannel.blobs().send(traffic.message(echoed, traffic.nextSize(echoed)));
                long n = echoed++;
                String[] problem = {"nothing"};
                assertEquals(Receipt.MESSAGE, goodChannel.blobs().receive(blob -> problem[0] = Traffic.check(blob, n, expected.nextSize(n)), LONG));
                assertNull(problem[0], "the other channel's echo");
            }
            hostile.expect("CONNECTED");
            assertTrue(Long.parseLong(hostile.expect("SCRIBBLED")) >= 64, "the peer did scribble");
            System.out.println("scribbled ring: " + messages + " messages, then " + outcome + "; " + echoed + " echoes on the other channel");
            assertTrue(outcome.equals("ProtocolException") || outcome.equals("PeerGoneException") || outcome.equals("TIMED_OUT")
                    || outcome.equals("ENDED"), outcome);
            goodChannel.blobs().endSending();
        }
    }

    /** Flow-IPC's socket messages stop at 64 KiB; ours reach 64 MiB over either pipe. */
    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void aSixtyFourMebibyteMessageArrivesWhole(String mode) throws Exception {
        int bytes = 64 << 20;
        MemorySegment expected = TransportChild.bigMessage(bytes);
        try (Channel.Listener listener = Channel.listen(socket(), 0600, TransportChild.config(mode));
                JvmChild child = JvmChild.start(TransportChild.class, "big", socket().toString(), mode, "" + bytes);
                Channel channel = listener.accept(LONG)) {
            long[] mismatch = {-2};
            assertEquals(Receipt.MESSAGE, channel.blobs().receive(blob -> {
                assertEquals(bytes, blob.length());
                mismatch[0] = blob.segment().mismatch(expected);
            }, LONG));
            assertEquals(-1, mismatch[0], "the message arrived byte for byte");
            assertEquals(Receipt.ENDED, channel.blobs().receive(blob -> { }, LONG));
            child.expect("CONNECTED");
            assertEquals(0, child.awaitExit());
        }
    }

    @org.junit.jupiter.api.Test
    void descriptorsSentWithAMessageArriveOpenAndUsable() throws Exception {
        Fd[] memfds = new Fd[3];
        try (Channel.Listener listener = Channel.listen(socket(), 0600, Channel.Config.DEFAULT);
                JvmChild child = JvmChild.start(TransportChild.class, "handles", socket().toString(), "ring");
                Channel channel = listener.accept(LONG)) {
            NativeHandle[] handles = new NativeHandle[memfds.length];
            for (int i = 0; i < memfds.length; i++) {
                memfds[i] = MemFd.create("handle-" + i, 4096);
                try (Mapping m = Mapping.map(memfds[i], 4096, false)) {
                    m.segment().set(ValueLayout.JAVA_LONG, 0, 100L + i);
                }
                handles[i] = NativeHandle.adopt(memfds[i].release());
            }
            channel.handles().send(Arena.ofAuto().allocateFrom("three files"), handles);
            for (NativeHandle h : handles) {
                h.close(); // the peer has its own copies
            }
            child.expect("CONNECTED");
            assertEquals("3 [100, 101, 102]", child.expect("VALUES"));
            child.send("BYE");
            assertEquals(0, child.awaitExit());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void aParkedReceiverLearnsOfAKilledPeerWithinOneSecondAndSoDoLaterCalls(String mode) throws Exception {
        Channel.Config config = TransportChild.config(mode).withWait(WaitStrategy.blocking());
        try (Channel.Listener listener = Channel.listen(socket(), 0600, config);
                JvmChild child = JvmChild.start(TransportChild.class, "idle", socket().toString(), mode);
                Channel channel = listener.accept(LONG)) {
            child.expect("CONNECTED");
            BlobPipe pipe = channel.blobs();
            CompletableFuture<Receipt> parked = CompletableFuture.supplyAsync(() -> {
                try {
                    return pipe.receive(blob -> { }, Duration.ofMinutes(5));
                } catch (TransportException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            if (pipe instanceof RingPipe ring) {
                awaitTrue(ring::receiverParked, "the receiver never parked on the futex");
            }
            killAndExpectPeerGoneWithinOneSecond(child, parked);
            assertThrows(TransportException.class, () -> pipe.receive(blob -> { }, Duration.ofSeconds(5)));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void aSenderWaitingForRoomLearnsOfAKilledPeerWithinOneSecond(String mode) throws Exception {
        Channel.Config config = TransportChild.config(mode).withWait(WaitStrategy.blocking())
                .withSocket(SocketPipe.Config.DEFAULT.withSendQueueBytes(1 << 20));
        try (Channel.Listener listener = Channel.listen(socket(), 0600, config);
                JvmChild child = JvmChild.start(TransportChild.class, "idle", socket().toString(), mode);
                Channel channel = listener.accept(LONG)) {
            child.expect("CONNECTED");
            BlobPipe pipe = channel.blobs();
            MemorySegment chunk = Arena.ofAuto().allocate(64 * 1024);
            while (pipe.trySend(chunk, Duration.ofMillis(200))) {
                // fill the ring, or the socket buffers and the send queue, until nothing moves: the child never reads
            }
            CompletableFuture<Void> waiting = CompletableFuture.runAsync(() -> {
                try {
                    pipe.send(chunk);
                } catch (TransportException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertFalse(waiting.isDone());
            if (pipe instanceof RingPipe ring) {
                awaitTrue(ring::senderParked, "the sender never parked on the futex");
            }
            killAndExpectPeerGoneWithinOneSecond(child, waiting);
        }
    }
}
