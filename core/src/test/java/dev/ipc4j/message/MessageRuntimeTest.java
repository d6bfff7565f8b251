package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.ProbeAgent;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.WaitSet;
import dev.ipc4j.transport.WaitStrategy;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The caller-driven runtime across processes: handlers run inline on the runner threads the user's factory made,
 * blocking requests are refused inside handlers, a slow reader back-pressures its writer with bounded memory and
 * nothing lost, and a server's threads do not grow with its sessions and channels.
 */
class MessageRuntimeTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = JvmChild.TIMEOUT;

    @TempDir
    Path runDir;

    private static void await(BooleanSupplier condition, String what) {
        Eventually.await(condition, what, WAIT);
    }

    @Test
    void handlersRunInlineOnTheUsersRunnerThreadsAndABlockingRequestThereIsRefused() throws Exception {
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        ThreadFactory factory = r -> {
            Thread t = Thread.ofPlatform().daemon().unstarted(r);
            made.add(t);
            return t;
        };
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withThreadFactory(factory));
             Peer peer = Peer.start(runDir, false, 1, MessageChannel.Config.DEFAULT.withRunner(runner), "responder",
                     runDir.toString(), "1", "false")) {
            peer.child.expect("READY");
            MessageChannel<MemorySegment> ch = peer.channel(0);
            List<Thread> handlerThreads = new CopyOnWriteArrayList<>();
            List<Throwable> refusals = new CopyOnWriteArrayList<>();
            ch.expectEvery(Types.EARLY, m -> {
                handlerThreads.add(Thread.currentThread());
                try (m; OutMessage q = Types.intMessage(ch, Types.ECHO, 1)) {
                    ch.request(q, Duration.ofSeconds(1)).close();
                    fail("a blocking request inside a handler must be refused");
                } catch (IllegalStateException e) {
                    refusals.add(e);
                } catch (MessageException | InterruptedException e) {
                    refusals.add(e);
                }
            });
            peer.child.send("EARLY 0 " + Types.EARLY + " 3");
            peer.child.expect("SENT");
            await(() -> refusals.size() == 3, "three handlers ran");
            for (Throwable t : refusals) {
                assertInstanceOf(IllegalStateException.class, t, "refused, not sent: " + t);
                assertTrue(t.getMessage().contains("inside a message handler"), t.getMessage());
            }
            assertTrue(made.containsAll(handlerThreads), "handlers ran on threads of the user's factory");
            assertEquals(1, made.size(), "one runner thread, no thread of the channel's own");
            // A non-blocking request from a handler is fine: its response completes the future on the runner.
            BlockingQueue<Integer> echoed = new LinkedBlockingQueue<>();
            ch.unexpect(Types.EARLY);
            ch.expectEvery(Types.EARLY, m -> {
                try (m; OutMessage q = Types.intMessage(ch, Types.ECHO, 42)) {
                    ch.request(q).thenAccept(rsp -> {
                        try (rsp) {
                            echoed.add(Types.readInt(rsp.payload()));
                        }
                    });
                }
            });
            peer.child.send("EARLY 0 " + Types.EARLY + " 1");
            peer.child.expect("SENT");
            assertEquals(42, echoed.poll(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    /**
     * A runner that came by while a thread drove its channel (a blocking request: the runner stands aside, without the
     * channel's wake-up) gets the channel back when that thread leaves: the next input reaches its handler at once,
     * not when the runner's sleep ends by itself (its 100 ms check interval; before, 80-100 ms later each time).
     */
    @Test
    void aRunnerThatStoodAsideWhileARequesterDroveGetsTheChannelBackWhenItLeaves() throws Exception {
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withName("stood-aside"));
             Peer peer = Peer.start(runDir, false, 1, MessageChannel.Config.DEFAULT.withRunner(runner), "responder",
                     runDir.toString(), "1", "false")) {
            peer.child.expect("READY");
            MessageChannel<MemorySegment> ch = peer.channels.get(0);
            BlockingQueue<Long> arrived = new LinkedBlockingQueue<>();
            ch.expectEvery(Types.NOTE, m -> {
                m.close();
                arrived.add(System.nanoTime());
            });
            AtomicLong sleeps = new AtomicLong();
            ProbeAgent probe = new ProbeAgent() { // attached after the channel: asked after it, before each sleep
                @Override
                public int doWork() {
                    return 0;
                }

                @Override
                public boolean prepareToSleep(WaitSet waits) {
                    sleeps.incrementAndGet();
                    return true;
                }
            };
            Runner.Attachment attached = runner.attach(probe);
            long quickest = Long.MAX_VALUE;
            try {
                for (int round = 0; round < 3; round++) {
                    AtomicReference<Throwable> failed = new AtomicReference<>();
                    Thread requester = new Thread(() -> { // the child holds SLOW requests until told RELEASE
                        try (OutMessage slow = ch.newMessage(0, Types.SLOW); InMessage<MemorySegment> answer = ch.request(slow, WAIT)) {
                            assertEquals(Types.SLOW, answer.type());
                        } catch (Throwable t) {
                            failed.set(t);
                        }
                    }, "stood-aside-requester");
                    requester.start();
                    peer.child.expect("HELD");
                    await(() -> Arrays.stream(requester.getStackTrace()).anyMatch(f -> f.getMethodName().equals("driveLocked")),
                            "the requester drives the channel");
                    long before = sleeps.get();
                    attached.wake(); // the runner comes by, finds the channel driven, and sleeps standing aside
                    await(() -> sleeps.get() > before, "the runner slept again");
                    peer.child.send("RELEASE");
                    peer.child.expect("RELEASED 1");
                    requester.join(WAIT.toMillis());
                    assertTrue(!requester.isAlive() && failed.get() == null, "the request was answered: " + failed.get());

                    long sent = System.nanoTime();
                    peer.child.send("EARLY 0 " + Types.NOTE + " 1");
                    peer.child.expect("SENT");
                    Long at = arrived.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                    assertNotNull(at, "the notification came");
                    quickest = Math.min(quickest, at - sent);
                }
            } finally {
                probe.finish();
            }
            assertTrue(quickest < TimeUnit.MILLISECONDS.toNanos(50), "the quickest of three notifications after a"
                    + " stand-aside took " + TimeUnit.NANOSECONDS.toMicros(quickest) + " us");
        }
    }

    @Test
    void aFloodIntoAServerThatHoldsEveryMessageIsBackPressuredWithBoundedMemoryNothingLostAndOthersServed()
            throws Exception {
        int bound = 64;
        int total = 15_000; // more than the ring holds (1 MiB of 96-byte frames) plus the bound
        MessageChannel.Config holding = MessageChannel.Config.DEFAULT.withMaxUnhandled(bound, 1L << 30);
        try (SessionServer server = SessionServer.start(Types.cache(runDir));
             JvmChild flooder = JvmChild.start(MessageChild.class, "flooder", runDir.toString())) {
            ServerSession floodSession = server.accept(WAIT);
            flooder.expect("READY");
            try (JvmChild responder = JvmChild.start(MessageChild.class, "responder", runDir.toString(), "1", "false")) {
                ServerSession otherSession = server.accept(WAIT);
                responder.expect("READY");
                try (MessageChannel<MemorySegment> flood = MessageChannel.over(floodSession, floodSession.channel(0),
                             RawCodec.INSTANCE, holding);
                     MessageChannel<MemorySegment> other = MessageChannel.of(otherSession, 0, RawCodec.INSTANCE)) {
                    BlockingQueue<InMessage<MemorySegment>> held = new LinkedBlockingQueue<>();
                    AtomicInteger mostUnhandled = new AtomicInteger();
                    flood.expectEvery(Types.FLOOD, m -> {
                        mostUnhandled.accumulateAndGet(flood.endpoint().unhandled(), Math::max);
                        held.add(m); // "slow": handled later, by the test thread
                    });
                    flooder.send("FLOOD " + total);
                    String pressured = flooder.expect("BACKPRESSURED");
                    int firstRefused = Integer.parseInt(pressured);
                    assertTrue(firstRefused >= bound, "the ring took more than the bound first: " + firstRefused);
                    await(() -> flood.endpoint().unhandled() == bound, "reading stops at the bound");
                    assertEquals(bound, held.size(), "exactly the bound of messages taken from the ring");

                    // The same runner thread still serves another client while this one is held back.
                    for (int i = 0; i < 20; i++) {
                        try (OutMessage q = Types.intMessage(other, Types.ECHO, i);
                             InMessage<MemorySegment> rsp = other.request(q, WAIT)) {
                            assertEquals(i, Types.readInt(rsp.payload()));
                        }
                    }
                    assertEquals(bound, flood.endpoint().unhandled(), "still held back");

                    // Handle everything, in order: reading resumes as messages are closed, and nothing is lost.
                    for (int expected = 0; expected < total; expected++) {
                        InMessage<MemorySegment> m = held.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                        assertNotNull(m, "message " + expected + " came");
                        try (m) {
                            assertEquals(expected, Types.readInt(m.payload()));
                            assertTrue(m.isShared(), "4 KiB travel as handles");
                        }
                    }
                    String done = flooder.expect("FLOODED");
                    assertEquals(total, Integer.parseInt(done.split(" ")[0]));
                    assertTrue(Integer.parseInt(done.split(" ")[1]) >= 1, done);
                    assertTrue(mostUnhandled.get() <= bound, "never more than the bound held: " + mostUnhandled.get());
                    assertEquals(0, held.size());
                    await(() -> flood.endpoint().unhandled() == 0, "all closed");
                    responder.send("EXIT"); // it ends its session (so it reports no channel closed by us)
                    responder.expect("BYE");
                }
            }
            flooder.send("EXIT");
            flooder.expect("BYE");
        }
    }

    @Test
    void aServerWithFiftyClientProcessesOfTwoChannelsEachDoesNotGrowAThreadPerSessionOrChannel() throws Exception {
        int clients = 50;
        try (SessionServer server = SessionServer.start(Types.cache(runDir),
                SessionServer.Config.DEFAULT.withSession(Types.patient(Types.sessionConfig(false)).withChannels(
                        dev.ipc4j.transport.Channel.Config.DEFAULT.withWait(WaitStrategy.blocking()))))) {
            int before = ipc4jThreads().size();
            List<JvmChild> children = new ArrayList<>();
            List<MessageChannel<MemorySegment>> channels = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    children.add(JvmChild.start(MessageChild.class, "responder", runDir.toString(), "2", "false", "patient"));
                }
                for (int i = 0; i < clients; i++) {
                    ServerSession s = server.accept(WAIT);
                    channels.add(MessageChannel.of(s, 0, RawCodec.INSTANCE));
                    channels.add(MessageChannel.of(s, 1, RawCodec.INSTANCE));
                }
                for (JvmChild c : children) {
                    c.expect("READY");
                }
                for (int round = 0; round < 3; round++) {
                    for (MessageChannel<MemorySegment> ch : channels) {
                        try (OutMessage q = Types.intMessage(ch, Types.ECHO, round);
                             InMessage<MemorySegment> rsp = ch.request(q, WAIT)) {
                            assertEquals(round, Types.readInt(rsp.payload()));
                        }
                    }
                }
                // Set-up threads (handshakes) leave after two idle seconds; what stays must not depend on the count.
                await(() -> ipc4jThreads().stream().noneMatch(n -> n.equals("ipc4j-session-task")), "set-up threads gone");
                List<String> after = ipc4jThreads();
                System.out.println("server threads named ipc4j*, " + clients + " sessions x 2 channels: " + after.size()
                        + " " + after + " (before: " + before + ")");
                assertTrue(after.size() <= before + 3, "at most the shared runner, keep-alive and leak detector more: "
                        + after);
            } finally {
                for (MessageChannel<MemorySegment> ch : channels) {
                    ch.close();
                }
                for (JvmChild c : children) {
                    if (c.process().isAlive()) {
                        c.send("EXIT");
                    }
                }
                for (JvmChild c : children) {
                    c.close();
                }
            }
        }
    }

    /** The names of this JVM's live threads that belong to ipc4j. */
    private static List<String> ipc4jThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("ipc4j")) {
                names.add(t.getName());
            }
        }
        names.sort(null);
        return names;
    }
}
