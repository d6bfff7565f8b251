package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.PeerGoneException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every call style of {@link MessageChannel} between two processes; the child ({@link MessageChild}) answers. */
class MessageChannelAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = JvmChild.TIMEOUT;

    @TempDir
    Path runDir;

    @Test
    void notificationsBothWays() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            CompletableFuture<Integer> counted = new CompletableFuture<>();
            ch.expect(Types.COUNTED, m -> {
                try (m) {
                    counted.complete(Types.readInt(m.payload()));
                }
            });
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                try (OutMessage out = Types.intMessage(ch, Types.NOTE, i)) {
                    ids.add(ch.send(out));
                }
            }
            try (OutMessage last = Types.intMessage(ch, Types.NOTE, -1)) {
                ch.send(last);
            }
            assertEquals(100, counted.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertEquals(100, ids.stream().distinct().count(), "every message has its own id");
        }
    }

    @Test
    void requestAnsweredThroughAFutureAndBlocking() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            byte[] hello = "hello, responder".getBytes(StandardCharsets.UTF_8);
            try (OutMessage out = ch.newMessage(hello.length, Types.ECHO)) {
                MemorySegment.copy(MemorySegment.ofArray(hello), 0, out.payload(), 0, hello.length);
                try (InMessage<MemorySegment> rsp = ch.request(out).get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    assertArrayEquals(hello, rsp.root().toArray(ValueLayout.JAVA_BYTE));
                    assertEquals(Types.ECHO, rsp.type());
                    assertNotEquals(0, rsp.inResponseTo());
                    assertFalse(rsp.isRequest());
                }
                try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                    assertArrayEquals(hello, rsp.payload().toArray(ValueLayout.JAVA_BYTE));
                }
            }
            // Larger than the inline threshold: the request and its echo travel as handles to shared memory.
            try (OutMessage out = ch.newMessage(1 << 20, Types.ECHO)) {
                assertTrue(out.isShared());
                out.payload().fill((byte) 0x5C);
                out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 4096, 0x0123_4567_89AB_CDEFL);
                try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                    assertTrue(rsp.isShared());
                    assertEquals(-1, rsp.payload().mismatch(out.payload()));
                }
            }
        }
    }

    @Test
    void theParentAsClientOfAServerChild() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession session = ClientSession.connect(Types.WEB, Types.cache(runDir),
                    ClientSession.Config.DEFAULT.withInitChannels(1));
                 MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                // Shared memory both ways: the request in the client's session arena, the echo in the server's.
                try (OutMessage out = ch.newMessage(1 << 20, Types.ECHO)) {
                    fill(out.payload());
                    try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                        assertTrue(rsp.isShared());
                        assertEquals(-1, rsp.payload().mismatch(out.payload()));
                    }
                }
                List<Integer> items = new CopyOnWriteArrayList<>();
                try (OutMessage out = Types.intMessage(ch, Types.STREAM, 50)) {
                    ch.requestStream(out, item -> {
                        try (item) {
                            items.add(Types.readInt(item.payload()));
                        }
                    }).done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
                assertEquals(50, items.size());
                assertEquals(49, items.getLast());
            }
            // The server's channel learns that this side ended it (its error handler's one report).
            server.expect("ERROR 0 ChannelClosedException");
            server.send("EXIT");
            server.expect("BYE");
        }
    }

    @Test
    void aBlockingRequestTimesOutAndItsLateResponseIsReportedOnBothSides() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            CompletableFuture<UnexpectedResponse> unexpected = new CompletableFuture<>();
            ch.onUnexpectedResponse(unexpected::complete);
            try (OutMessage out = ch.newMessage(0, Types.SLOW)) {
                long start = System.nanoTime();
                assertThrows(MessageTimeoutException.class, () -> ch.request(out, Duration.ofMillis(300)));
                assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));
            }
            long requestId = Long.parseLong(peer.child.expect("HELD"));
            peer.child.send("RELEASE");
            UnexpectedResponse here = unexpected.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(requestId, here.requestId());
            assertFalse(here.reportedByPeer());
            // The child's two lines race (its command loop and its listener): take them in either order.
            List<String> said = List.of(peer.child.expect(""), peer.child.expect(""));
            assertTrue(said.contains("RELEASED 1"), said.toString());
            assertTrue(said.contains("UNEXPECTED 0 " + here.responseId() + " " + requestId + " true"), said.toString());
            // The channel goes on.
            try (OutMessage out = Types.intMessage(ch, Types.ECHO, 7); InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                assertEquals(7, Types.readInt(rsp.payload()));
            }
        }
    }

    @Test
    void aStreamEndedByTheResponderDeliversEveryItemInOrder() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            List<Integer> items = new CopyOnWriteArrayList<>();
            List<Long> answering = new CopyOnWriteArrayList<>();
            StreamCall call;
            try (OutMessage out = Types.intMessage(ch, Types.STREAM, 200)) {
                call = ch.requestStream(out, item -> {
                    try (item) {
                        answering.add(item.inResponseTo());
                        items.add(Types.readInt(item.payload()));
                    }
                });
                call.done().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
            assertEquals(200, items.size());
            for (int i = 0; i < 200; i++) {
                assertEquals(i, items.get(i));
            }
            assertFalse(call.isCancelled());
            assertEquals(List.of(call.id()), answering.stream().distinct().toList(), "every item answers the request");
        }
    }

    @Test
    void aStreamCancelledByTheRequesterStopsTheResponder() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            CountDownLatch five = new CountDownLatch(5);
            List<Integer> items = new CopyOnWriteArrayList<>();
            try (OutMessage out = ch.newMessage(0, Types.ENDLESS)) {
                StreamCall call = ch.requestStream(out, item -> {
                    try (item) {
                        items.add(Types.readInt(item.payload()));
                        five.countDown();
                    }
                });
                assertTrue(five.await(WAIT.toSeconds(), TimeUnit.SECONDS));
                call.cancel();
                assertTrue(call.isCancelled());
                var failure = assertThrows(ExecutionException.class, () -> call.done().get(WAIT.toSeconds(), TimeUnit.SECONDS));
                assertInstanceOf(StreamCancelledException.class, failure.getCause());
                int sent = Integer.parseInt(peer.child.expect("CANCELLED"));
                assertTrue(sent >= 5, "sent " + sent);
            }
            int delivered = items.size();
            for (int i = 0; i < delivered; i++) {
                assertEquals(i, items.get(i));
            }
            // The items in flight were dropped quietly, and the channel goes on.
            try (OutMessage out = Types.intMessage(ch, Types.ECHO, 8); InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                assertEquals(8, Types.readInt(rsp.payload()));
            }
            assertEquals(delivered, items.size(), "nothing delivered after cancel");
        }
    }

    @Test
    void expectOnceExpectEveryUnexpectAndEarlyArrivalsInOrder() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            BlockingQueue<String> got = new LinkedBlockingQueue<>();
            // Five arrive before any handler: they are cached.
            peer.child.send("EARLY 0 " + Types.EARLY + " 5");
            peer.child.expect("SENT");
            awaitTrue(() -> ch.cached() == 5, "5 cached");
            ch.expect(Types.EARLY, m -> record(got, "once", m));
            assertEquals("once 0", take(got));
            assertEquals(4, ch.cached());
            ch.expectEvery(Types.EARLY, m -> record(got, "every", m));
            for (int i = 1; i < 5; i++) {
                assertEquals("every " + i, take(got));
            }
            assertEquals(0, ch.cached());
            peer.child.send("EARLY 0 " + Types.EARLY + " 3");
            peer.child.expect("SENT");
            for (int i = 0; i < 3; i++) {
                assertEquals("every " + i, take(got));
            }
            assertTrue(ch.unexpect(Types.EARLY));
            assertFalse(ch.unexpect(Types.EARLY));
            peer.child.send("EARLY 0 " + Types.EARLY + " 2");
            peer.child.expect("SENT");
            awaitTrue(() -> ch.cached() == 2, "2 cached after unexpect");
            ch.expect(Types.EARLY, m -> record(got, "again", m));
            assertEquals("again 0", take(got));
            assertEquals(1, ch.cached());
            ch.expectEvery(Types.EARLY, m -> record(got, "last", m));
            assertEquals("last 1", take(got));
            assertThrows(IllegalStateException.class, () -> ch.expectEvery(Types.EARLY, m -> record(got, "twice", m)));
            assertTrue(got.isEmpty(), "nothing else delivered: " + got);
        }
    }

    private static void record(BlockingQueue<String> got, String who, InMessage<MemorySegment> m) {
        try (m) {
            got.add(who + " " + Types.readInt(m.payload()));
        }
    }

    @Test
    void eightThreadsRequestConcurrentlyOnOneChannel() throws Exception {
        int threads = 8;
        int each = 500;
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            List<CompletableFuture<Integer>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                CompletableFuture<Integer> run = new CompletableFuture<>();
                runs.add(run);
                Thread.ofPlatform().name("requester-" + t).start(() -> {
                    try {
                        for (int i = 0; i < each; i++) {
                            int value = thread * 1_000_000 + i;
                            try (OutMessage out = Types.intMessage(ch, Types.ECHO, value);
                                 InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                                if (Types.readInt(rsp.payload()) != value) {
                                    throw new AssertionError("thread " + thread + " got " + Types.readInt(rsp.payload()) + " for " + value);
                                }
                            }
                        }
                        run.complete(each);
                    } catch (Throwable e) {
                        run.completeExceptionally(e);
                    }
                });
            }
            for (CompletableFuture<Integer> run : runs) {
                assertEquals(each, run.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS));
            }
        }
    }

    @ParameterizedTest(name = "socket only: {0}")
    @ValueSource(booleans = {false, true})
    void aDescriptorRidesOnAMessage(boolean socketOnly) throws Exception {
        byte[] secret = ("a memfd's bytes, read in the other process" + socketOnly).getBytes(StandardCharsets.UTF_8);
        try (Peer peer = Peer.responder(runDir, 1, socketOnly);
             Fd memfd = MemFd.create("message-test", 0);
             NativeHandle handle = NativeHandle.adopt(memfd.dup().release())) {
            Files.write(Path.of("/proc/self/fd/" + memfd.get()), secret);
            MessageChannel<MemorySegment> ch = peer.channel(0);
            assertEquals(!socketOnly, ch.endpoint().hasRing());
            try (OutMessage out = ch.newMessage(1, Types.FD).attach(handle);
                 InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                assertArrayEquals(secret, rsp.payload().toArray(ValueLayout.JAVA_BYTE));
            }
            assertTrue(handle.isOpen(), "the sender keeps its descriptor");
        }
    }

    @Test
    void sixtyFourMiBOverASocketOnlySession() throws Exception {
        long size = 64L << 20;
        try (Peer peer = Peer.responder(runDir, 1, true)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            assertFalse(ch.endpoint().hasRing());
            try (OutMessage out = ch.newMessage(size, Types.CHECKSUM)) {
                assertFalse(out.isShared());
                fill(out.payload());
                long crc = Types.crc(out.payload());
                try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                    assertEquals(size, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    assertEquals(crc, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                }
            }
            assertEquals(size + " false", peer.child.expect("CHECKED"));
        }
    }

    @Test
    void twoHundredFiftySixMiBZeroCopyOverARing() throws Exception {
        long size = 256L << 20;
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            try (OutMessage out = ch.newMessage(size, Types.CHECKSUM)) {
                assertTrue(out.isShared());
                fill(out.payload());
                long crc = Types.crc(out.payload());
                try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                    assertEquals(size, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    assertEquals(crc, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                }
            }
            assertEquals(size + " true", peer.child.expect("CHECKED"));
        }
    }

    @Test
    void oneMessageSentTwiceAndOnTwoChannelsWithoutCopying() throws Exception {
        try (Peer peer = Peer.responder(runDir, 2, false)) {
            MessageChannel<MemorySegment> first = peer.channel(0);
            MessageChannel<MemorySegment> second = peer.channel(1);
            for (long size : new long[] {100, 4 << 20}) {
                try (OutMessage out = first.newMessage(size, Types.CHECKSUM)) {
                    fill(out.payload());
                    long crc = Types.crc(out.payload());
                    for (MessageChannel<MemorySegment> ch : List.of(first, first, second)) {
                        try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                            assertEquals(crc, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                        }
                        assertEquals(size + " " + out.isShared(), peer.child.expect("CHECKED"));
                    }
                }
            }
        }
    }

    @Test
    void sharedMessagesClosedRightAfterSendingStayAliveUntilThePeerHasBorrowedThem() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            for (int i = 0; i < 20; i++) {
                CompletableFuture<InMessage<MemorySegment>> answer;
                long crc;
                try (OutMessage out = ch.newMessage(1 << 20, Types.CHECKSUM)) {
                    fill(out.payload());
                    out.payload().set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                    crc = Types.crc(out.payload());
                    answer = ch.request(out);
                } // closed while the request may still be in the ring
                try (InMessage<MemorySegment> rsp = answer.get(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    assertEquals(crc, rsp.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                }
                assertEquals((1 << 20) + " true", peer.child.expect("CHECKED"));
                // The child closes its shared echo as soon as it has replied, too.
                try (OutMessage out = ch.newMessage(64 << 10, Types.ECHO)) {
                    fill(out.payload());
                    try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                        assertTrue(rsp.isShared());
                        assertEquals(-1, rsp.payload().mismatch(out.payload()));
                    }
                }
            }
            // Every hold is given back once the child has consumed the frames (checked as the reader goes).
            awaitTrue(() -> ch.inTransit() == 0, "no block held in transit");
        }
    }

    @Test
    void forgedFramesAreRejectedOnTheirChannelOnly() throws Exception {
        List<String> forgeries = List.of("magic", "version", "kind", "flags", "length", "negative", "short", "answer",
                "offset", "overflow", "handle", "garbled-handle", "fds", "version1", "peer-call", "credit-zero");
        int n = forgeries.size();
        MessageChannel.Config config = MessageChannel.Config.DEFAULT.withDescriptorTimeout(Duration.ofMillis(500));
        try (Peer peer = Peer.start(runDir, false, n + 1, config, "hostile", runDir.toString(), String.join(",", forgeries))) {
            List<List<MessageException>> errors = new ArrayList<>();
            for (int i = 0; i <= n; i++) {
                List<MessageException> mine = new CopyOnWriteArrayList<>();
                errors.add(mine);
                peer.channel(i).onError(mine::add);
            }
            peer.child.expect("FORGED");
            for (int i = 0; i < n; i++) {
                MessageChannel<MemorySegment> ch = peer.channel(i);
                List<MessageException> mine = errors.get(i);
                String what = forgeries.get(i);
                awaitTrue(() -> !ch.isOpen() && !mine.isEmpty(), what + " rejected");
                assertInstanceOf(MalformedMessageException.class, mine.getFirst(), what + ": " + mine);
                if (what.equals("version1")) {
                    assertTrue(mine.getFirst().getMessage().contains("version 1; this side speaks 2"), mine.getFirst().getMessage());
                }
                try (OutMessage out = ch.newMessage(0)) {
                    var closed = assertThrows(ChannelClosedException.class, () -> ch.send(out));
                    assertInstanceOf(MalformedMessageException.class, closed.getCause(), what);
                }
            }
            // The session and its other channel are unaffected.
            assertTrue(peer.session.isOpen());
            MessageChannel<MemorySegment> good = peer.channel(n);
            try (OutMessage out = Types.intMessage(good, Types.ECHO, 42); InMessage<MemorySegment> rsp = good.request(out, WAIT)) {
                assertEquals(42, Types.readInt(rsp.payload()));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(1, errors.get(i).size(), forgeries.get(i) + " reported once: " + errors.get(i));
            }
            assertTrue(errors.get(n).isEmpty());
        }
    }

    @Test
    void invalidPayloadsAreRejectedByTheCodecAndEndTheirChannelUnlessConfiguredNotTo() throws Exception {
        String forgeries = "payload-garbage,payload-mistyped,payload-garbage+payload-good";
        MessageChannel.Config tolerant = MessageChannel.Config.DEFAULT.withCloseOnInvalidMessage(false);
        try (Peer peer = Peer.start(runDir, false, 0, MessageChannel.Config.DEFAULT, "hostile", runDir.toString(), forgeries);
             MessageChannel<MemorySegment> garbage = MessageChannel.over(peer.session, peer.session.channel(0), Tagged.INSTANCE,
                     MessageChannel.Config.DEFAULT);
             MessageChannel<MemorySegment> mistyped = MessageChannel.over(peer.session, peer.session.channel(1), Tagged.INSTANCE,
                     MessageChannel.Config.DEFAULT);
             MessageChannel<MemorySegment> lenient = MessageChannel.over(peer.session, peer.session.channel(2), Tagged.INSTANCE,
                     tolerant)) {
            List<MessageChannel<MemorySegment>> all = List.of(garbage, mistyped, lenient);
            List<List<MessageException>> errors = new ArrayList<>();
            BlockingQueue<Integer> handled = new LinkedBlockingQueue<>();
            for (MessageChannel<MemorySegment> ch : all) {
                List<MessageException> mine = new CopyOnWriteArrayList<>();
                errors.add(mine);
                ch.onError(mine::add);
                ch.expectEvery(Types.ECHO, m -> {
                    try (m) {
                        handled.add(Tagged.INSTANCE.typeOf(m.root()));
                    }
                });
            }
            peer.child.expect("FORGED");
            for (int i = 0; i < 2; i++) {
                MessageChannel<MemorySegment> ch = all.get(i);
                List<MessageException> mine = errors.get(i);
                awaitTrue(() -> !ch.isOpen() && !mine.isEmpty(), "channel " + i + " ended");
                assertInstanceOf(InvalidPayloadException.class, mine.getFirst());
            }
            assertTrue(errors.get(1).getFirst().getMessage().contains("header type " + Types.ECHO), errors.get(1).toString());
            // The lenient channel reported the garbage, dropped it, and handled the good message after it.
            assertEquals(Types.ECHO, handled.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
            assertTrue(lenient.isOpen());
            assertEquals(1, errors.get(2).size());
            assertInstanceOf(InvalidPayloadException.class, errors.get(2).getFirst());
            assertTrue(handled.isEmpty());
            assertTrue(peer.session.isOpen());
            assertEquals(1, errors.get(0).size());
            assertEquals(1, errors.get(1).size());
        }
    }

    @Test
    void anInMessageGarbageCollectedUnclosedIsReportedByTheLeaseLeakDetector() throws Exception {
        // The session's arenas sample one lease in 128 for leak tracking: 130 unclosed messages include one.
        int count = 130;
        List<String> reports = new CopyOnWriteArrayList<>();
        try (AutoCloseable listening = LeakReports.listen(reports::add); Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            java.util.concurrent.atomic.AtomicInteger shared = new java.util.concurrent.atomic.AtomicInteger();
            ch.expectEvery(Types.EARLY, m -> {
                if (m.isShared()) {
                    shared.incrementAndGet(); // and dropped without close()
                }
            });
            peer.child.send("SHARED 0 " + Types.EARLY + " " + count);
            peer.child.expect("SENT");
            awaitTrue(() -> shared.get() == count, count + " shared messages handled");
            awaitTrue(() -> {
                System.gc();
                return reports.stream().anyMatch(r -> r.contains("LEAK: a Lease"));
            }, "a leak report");
            String report = reports.stream().filter(r -> r.contains("LEAK: a Lease")).findFirst().orElseThrow();
            assertTrue(report.contains("dev.ipc4j.message.MessageReader.read"), "reported where it was borrowed: " + report);
            // The unsampled ones stay held until the session's memory goes: end it from this side, which does not wait.
            peer.session.close();
        }
    }

    /**
     * Issue 13, defect 6: a handler that fails with an {@link Error} costs only its own message. Before, the Error
     * escaped to the channel's driver, which ended the channel (the next request failed) with the message's lease held.
     */
    @Test
    void aHandlerThatThrowsAnErrorCostsOnlyItsMessage() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            for (int round = 0; round < 3; round++) {
                // A shared-memory request: its lease on our block must be given back although its handler failed.
                try (OutMessage bad = ch.newMessage(1 << 20, Types.THROWS_ERROR)) {
                    assertTrue(bad.isShared());
                    ch.send(bad);
                }
                peer.child.expect("THROWING");
                try (OutMessage out = Types.intMessage(ch, Types.ECHO, round); InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                    assertEquals(round, Types.readInt(rsp.payload()), "the channel still answers");
                }
            }
            assertTrue(ch.isOpen());
        }
    }

    @Test
    void peerDeathFailsPendingRequestsAndStreams() throws Exception {
        try (Peer peer = Peer.responder(runDir, 1, false)) {
            MessageChannel<MemorySegment> ch = peer.channel(0);
            CompletableFuture<MessageException> error = new CompletableFuture<>();
            ch.onError(error::complete);
            try (OutMessage out = ch.newMessage(0, Types.SLOW)) {
                CompletableFuture<InMessage<MemorySegment>> request = ch.request(out);
                StreamCall stream = ch.requestStream(out, item -> item.close());
                peer.child.expect("HELD");
                peer.child.expect("HELD");
                peer.child.kill();
                for (CompletableFuture<?> f : List.of(request, stream.done())) {
                    var failure = assertThrows(ExecutionException.class, () -> f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
                    assertInstanceOf(ChannelClosedException.class, failure.getCause());
                    assertInstanceOf(PeerGoneException.class, failure.getCause().getCause(), failure.getCause().toString());
                }
                assertInstanceOf(PeerGoneException.class, error.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCause());
                assertFalse(ch.isOpen());
                assertThrows(ChannelClosedException.class, () -> ch.request(out, WAIT));
                // Issue 13, defect 9: registering handlers on a channel whose session just ended is no error (it was
                // an undocumented IllegalStateException); nothing will be delivered.
                ch.expect(4242, m -> fail("a message on an ended channel"));
                ch.expectEvery(4243, m -> fail("a message on an ended channel"));
            }
            peer.child.awaitExit();
        }
    }

    /** Deterministic, cheap, position-dependent bytes (so a shifted or truncated copy does not checksum equal). */
    private static void fill(MemorySegment m) {
        for (long at = 0; at + 8 <= m.byteSize(); at += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, at, at * 0x9E37_79B9_7F4A_7C15L);
        }
    }

    private static String take(BlockingQueue<String> q) throws InterruptedException {
        String s = q.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("nothing delivered within " + WAIT);
        }
        return s;
    }

    static void awaitTrue(BooleanSupplier condition, String what) {
        Eventually.await(condition, what, WAIT);
    }
}
