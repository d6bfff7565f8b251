package dev.ipc4j.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ChannelRefusedException;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One publisher and several subscriber processes ({@link PubSubChild}): delivery, gaps, deaths, bounded memory. */
class PubSubAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = JvmChild.TIMEOUT;

    @TempDir
    Path runDir;

    /** The fields of a child's "done" line. */
    private static Map<String, String> report(String line) {
        Map<String, String> fields = new HashMap<>();
        String[] words = line.split(" ");
        fields.put("end", words[0]);
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return fields;
    }

    private JvmChild subscriber(Delivery delivery, String start, String name, long slowNanos) {
        return subscriber(delivery, start, name, slowNanos, Long.MAX_VALUE, "receive");
    }

    private JvmChild subscriber(Delivery delivery, String start, String name, long slowNanos, long limit, String style) {
        return JvmChild.start(PubSubChild.class, "subscribe", runDir.toString(), delivery.name(), start, name,
                Long.toString(slowNanos), Long.toString(limit), style);
    }

    /** Lets a child that reported go, and checks it ended well (its subscriber and session closed without error). */
    private static void exit(JvmChild child) throws InterruptedException {
        child.send("exit");
        assertEquals(0, child.awaitExit());
    }

    private static void publish(Publisher publisher, long count, int bytes) {
        for (long i = 0; i < count; i++) {
            MemorySegment m = publisher.loan(bytes);
            Samples.write(m, publisher.tail());
            publisher.publish();
        }
    }

    @Test
    void eightSubscriberProcessesGetEverySampleOrExactGapsAndAKilledOneStallsNobody() throws Exception {
        int total = 1_000_000;
        List<SlowSubscriber> slow = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(1024)
                        .withReliableTimeout(Duration.ofSeconds(60)).withListener(slow::add))) {
            Publisher.serve(server, publisher);
            List<JvmChild> reliable = new ArrayList<>();
            List<JvmChild> lossy = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    // one of each reads on a runner of its own, the others with blocking receives
                    String style = i == 3 ? "runner" : "receive";
                    reliable.add(subscriber(Delivery.RELIABLE, "now", "-", 0, Long.MAX_VALUE, style));
                    // one lossy subscriber is slow on purpose (50 us a sample): it is lapped, and must be told exactly
                    lossy.add(subscriber(Delivery.LOSSY, "now", "-", i == 0 ? 50_000 : 0, Long.MAX_VALUE, style));
                }
                for (JvmChild c : reliable) {
                    assertTrue(c.expect("ready").startsWith("0 "));
                }
                for (JvmChild c : lossy) {
                    assertTrue(c.expect("ready").startsWith("0 "));
                }
                JvmChild victim = reliable.getFirst();
                long longest = 0;
                for (int i = 0; i < total; i++) {
                    if (i == total / 4) {
                        victim.kill(); // a reliable subscriber dies mid-stream, holding whatever it held
                    }
                    long t0 = System.nanoTime();
                    MemorySegment m = publisher.loan(64);
                    Samples.write(m, i);
                    assertEquals(i, publisher.publish());
                    longest = Math.max(longest, System.nanoTime() - t0);
                }
                // A dead reliable subscriber stalls the publisher for its death-detection time (its session's end), no more.
                assertTrue(longest < Duration.ofSeconds(10).toNanos(), "the longest publish took " + longest / 1_000_000 + " ms");
                assertEquals(List.of(), slow, "no live reliable subscriber was ever a whole history behind for a minute");
                publisher.close();
                for (JvmChild c : reliable.subList(1, 4)) {
                    Map<String, String> r = report(c.expect("done"));
                    assertEquals("ended", r.get("end"), r.toString());
                    assertEquals(String.valueOf(total), r.get("received"), r.toString());
                    assertEquals("0", r.get("missed"), r.toString());
                    assertEquals("0", r.get("bad"), r.toString());
                }
                long lapped = 0;
                for (JvmChild c : lossy) {
                    Map<String, String> r = report(c.expect("done"));
                    assertEquals("ended", r.get("end"), r.toString());
                    assertEquals("0", r.get("bad"), r.toString()); // every sequence was received once, in order, or in one gap
                    assertEquals(total, Long.parseLong(r.get("received")) + Long.parseLong(r.get("missed")), r.toString());
                    assertEquals(String.valueOf(total), r.get("next"), r.toString());
                    lapped += Long.parseLong(r.get("missed"));
                }
                assertTrue(lapped > 0, "the slow lossy subscriber was lapped at least once");
                for (JvmChild c : reliable.subList(1, 4)) {
                    exit(c);
                }
                for (JvmChild c : lossy) {
                    exit(c);
                }
                // The killed subscriber's holds were reclaimed: nobody else holds a block of the app arena.
                ShmArena arena = server.appArena();
                Eventually.await(() -> arena.blocksHeldByOthers() == 0, "every subscriber's holds given back", WAIT);
            } finally {
                for (JvmChild c : reliable) {
                    c.close();
                }
                for (JvmChild c : lossy) {
                    c.close();
                }
            }
        }
    }

    @Test
    void aStoppedLossySubscriberGrowsNoMemoryAndAStoppedReliableOneIsDemoted() throws Exception {
        int capacity = 256;
        List<SlowSubscriber> slow = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(capacity)
                        .withReliableTimeout(Duration.ofMillis(300)).withSlowSubscribers(SlowSubscriberPolicy.DEMOTE)
                        .withListener(slow::add));
                JvmChild lossy = subscriber(Delivery.LOSSY, "now", "-", 0);
                JvmChild reliable = subscriber(Delivery.RELIABLE, "now", "-", 0)) {
            Publisher.serve(server, publisher);
            lossy.expect("ready");
            reliable.expect("ready");
            lossy.stop();
            reliable.stop();
            ShmArena arena = server.appArena();
            publish(publisher, 4 * capacity, 4096);
            long used = arena.usedBytes();
            publish(publisher, 40 * capacity, 4096);
            // The arena's use plateaus: the history's blocks are reused, nothing grows with the stopped subscribers.
            assertEquals(used, arena.usedBytes(), "bytes the app arena took, after 4 and after 44 histories");
            assertTrue(arena.liveBytes() <= (capacity + 8L) * 4096 + TopicBlock.bytesFor(capacity) * 2,
                    "live bytes " + arena.liveBytes());
            assertEquals(1, slow.size(), slow.toString());
            assertEquals(SlowSubscriberPolicy.DEMOTE, slow.getFirst().action());
            assertEquals(reliable.pid(), slow.getFirst().pid());
            assertEquals(Delivery.LOSSY, publisher.subscribers().stream().filter(s -> s.pid() == reliable.pid())
                    .findFirst().orElseThrow().delivery());
            lossy.resume();
            reliable.resume();
            long total = publisher.tail();
            publisher.close();
            for (JvmChild c : List.of(lossy, reliable)) {
                Map<String, String> r = report(c.expect("done"));
                assertEquals("ended", r.get("end"), r.toString());
                assertEquals("0", r.get("bad"), r.toString());
                assertEquals(total, Long.parseLong(r.get("received")) + Long.parseLong(r.get("missed")), r.toString());
                assertTrue(Long.parseLong(r.get("missed")) > 0, r.toString());
                assertEquals("LOSSY", r.get("delivery"), "the stopped reliable subscriber learnt it was demoted: " + r);
                exit(c);
            }
        }
    }

    @Test
    void aStoppedReliableSubscriberIsDisconnectedOrFailsThePublishPerPolicy() throws Exception {
        int capacity = 64;
        List<SlowSubscriber> slow = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher evicting = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(capacity)
                        .withReliableTimeout(Duration.ofMillis(200)).withSlowSubscribers(SlowSubscriberPolicy.DISCONNECT)
                        .withListener(slow::add));
                JvmChild reliable = subscriber(Delivery.RELIABLE, "now", "-", 0)) {
            Publisher.serve(server, evicting);
            reliable.expect("ready");
            reliable.stop();
            publish(evicting, 3 * capacity, 64);
            assertEquals(1, slow.size(), slow.toString());
            assertEquals(SlowSubscriberPolicy.DISCONNECT, slow.getFirst().action());
            assertEquals(List.of(), evicting.subscribers(), "the slow subscriber was dropped");
            try (JvmChild next = subscriber(Delivery.LOSSY, "now", "-", 0)) {
                next.expect("ready"); // takes the dropped one's slot: that must not make it look alive again
                reliable.resume();
                Map<String, String> r = report(reliable.expect("done"));
                assertEquals("evicted", r.get("end"), "it learnt, once, that the publisher ended its subscription: " + r);
                assertEquals("0", r.get("bad"), r.toString());
                exit(reliable);
                assertEquals(1, evicting.subscribers().size());
            }
        }
        slow.clear();
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher failing = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(capacity)
                        .withReliableTimeout(Duration.ofMillis(200)).withSlowSubscribers(SlowSubscriberPolicy.FAIL_PUBLISH)
                        .withListener(slow::add));
                JvmChild reliable = subscriber(Delivery.RELIABLE, "now", "-", 0)) {
            Publisher.serve(server, failing);
            reliable.expect("ready");
            reliable.stop();
            publish(failing, capacity, 64);
            MemorySegment m = failing.loan(64);
            Samples.write(m, capacity);
            assertEquals(Publisher.BACK_PRESSURED, failing.offer(), "offer never waits: the stopped subscriber holds the ring");
            assertThrows(SlowSubscriberException.class, failing::publish, () -> "subscribers " + failing.subscribers());
            assertEquals(SlowSubscriberPolicy.FAIL_PUBLISH, slow.getFirst().action());
            reliable.resume();
            long sequence = failing.publish(); // the loan was still ours; the subscriber caught up meanwhile
            assertEquals(capacity, sequence);
            failing.close();
            Map<String, String> r = report(reliable.expect("done"));
            assertEquals("ended", r.get("end"), r.toString());
            assertEquals(String.valueOf(capacity + 1), r.get("received"), r.toString());
            assertEquals("0", r.get("missed"), r.toString());
            exit(reliable);
        }
    }

    @Test
    void aKilledPublisherIsReportedOnceAndARestartedOneIsANewEpoch() throws Exception {
        String epoch;
        try (JvmChild publisher = JvmChild.start(PubSubChild.class, "publish", runDir.toString(), "1024");
                JvmChild a = startAfter(publisher);
                JvmChild b = subscriber(Delivery.RELIABLE, "now", "-", 0)) {
            epoch = a.expect("ready").split(" ")[1];
            assertEquals(epoch, b.expect("ready").split(" ")[1]);
            publisher.send("publish 5000");
            publisher.expect("published 5000");
            b.stop(); // b is stopped, perhaps behind, while its publisher dies
            publisher.kill();
            Map<String, String> ra = report(a.expect("done"));
            assertEquals("gone", ra.get("end"), "told once, then the end: " + ra);
            assertEquals(5000, Long.parseLong(ra.get("received")) + Long.parseLong(ra.get("missed")), ra.toString());
            exit(a);
            b.resume();
            for (JvmChild c : List.of(b)) {
                Map<String, String> r = report(c.expect("done"));
                assertEquals("gone", r.get("end"), "told once, then the end: " + r);
                assertEquals("0", r.get("bad"), r.toString());
                assertEquals(5000, Long.parseLong(r.get("received")) + Long.parseLong(r.get("missed")), r.toString());
                exit(c);
            }
        }
        try (JvmChild publisher = JvmChild.start(PubSubChild.class, "publish", runDir.toString(), "1024");
                JvmChild a = startAfter(publisher)) {
            String again = a.expect("ready").split(" ")[1];
            assertNotEquals(epoch, again, "a restarted publisher's topic is a new epoch");
            publisher.send("publish 10");
            publisher.expect("published 10");
            publisher.send("stop");
            Map<String, String> r = report(a.expect("done"));
            assertEquals("ended", r.get("end"), r.toString());
            assertEquals("10", r.get("received"), "nothing of the old epoch: " + r);
            exit(a);
        }
    }

    private JvmChild startAfter(JvmChild publisher) {
        publisher.expect("ready");
        return subscriber(Delivery.LOSSY, "now", "-", 0);
    }

    @Test
    void lateJoinersChooseTheirStartAndANamedSubscriberResumes() throws Exception {
        int capacity = 64;
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(capacity))) {
            Publisher.serve(server, publisher);
            publish(publisher, 100, 64);
            try (JvmChild last = subscriber(Delivery.LOSSY, "last:10", "-", 0, 10, "receive");
                    JvmChild old = subscriber(Delivery.LOSSY, "seq:0", "-", 0, 64, "receive");
                    JvmChild named = subscriber(Delivery.RELIABLE, "seq:0", "audit", 0, 30, "receive")) {
                assertEquals("90", last.expect("ready").split(" ")[0]);
                Map<String, String> r = report(last.expect("done"));
                assertEquals("limit", r.get("end"), r.toString());
                assertEquals("90", r.get("first"), r.toString());
                assertEquals("0", r.get("missed"), r.toString());
                // What the topic no longer has is a gap reported at once, never silence.
                old.expect("ready");
                r = report(old.expect("done"));
                assertEquals("0", r.get("first"), r.toString());
                assertEquals("36", r.get("missed"), r.toString()); // the history is the last 64 of 100
                assertEquals("64", r.get("received"), r.toString());
                assertEquals("100", r.get("next"), r.toString());
                named.expect("ready");
                r = report(named.expect("done"));
                assertEquals("30", r.get("received"), r.toString());
                for (JvmChild c : List.of(last, old, named)) {
                    exit(c);
                }
            }
            Eventually.await(() -> publisher.subscribers().isEmpty(), "every subscriber left", WAIT);
            publish(publisher, 10, 64);
            // Restarted, "audit" resumes where it left off (it had read 36..65), not where it says it starts.
            try (JvmChild named = subscriber(Delivery.RELIABLE, "now", "audit", 0, 44, "receive")) {
                assertEquals("66", named.expect("ready").split(" ")[0]);
                Map<String, String> r = report(named.expect("done"));
                assertEquals("66", r.get("first"), r.toString());
                assertEquals("44", r.get("received"), r.toString());
                assertEquals("0", r.get("missed"), r.toString());
                exit(named);
            }
        }
    }

    @Test
    void retainedSamplesStayWholeInAnotherProcessWhileTheHistoryMovesOn() throws Exception {
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(4));
                JvmChild keeper = subscriber(Delivery.RELIABLE, "now", "-", 0, 4000, "retain")) {
            Publisher.serve(server, publisher);
            keeper.expect("ready");
            publish(publisher, 4000, 256); // a history of 4: each retained sample is overwritten long before it is checked
            Map<String, String> r = report(keeper.expect("done"));
            assertEquals("4000", r.get("received"), r.toString());
            assertEquals("4000", r.get("retained"), r.toString());
            assertEquals("0", r.get("bad"), "every retained sample still held its own bytes: " + r);
            exit(keeper);
            ShmArena arena = server.appArena();
            Eventually.await(() -> arena.blocksHeldByOthers() == 0, "the retained holds given back", WAIT);
        }
    }

    @Test
    void subscriptionsThatCannotBeServedAreRefusedWithTheReason() throws Exception {
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT);
                ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir))) {
            Publisher.serve(server, publisher);
            ChannelRefusedException unknown = assertThrows(ChannelRefusedException.class,
                    () -> Subscriber.open(session, "no-such-topic", Subscriber.Config.DEFAULT));
            assertTrue(unknown.getMessage().contains("no such topic"), unknown.getMessage());
            try (Subscriber first = Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT.withName("one"))) {
                ChannelRefusedException twice = assertThrows(ChannelRefusedException.class,
                        () -> Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT.withName("one")));
                assertTrue(twice.getMessage().contains("subscribed already"), twice.getMessage());
                assertEquals(0, first.poll(sample -> { }, 10));
            }
            // A request whose cursor names memory never lent is refused, not followed.
            byte[] forged = SubscriptionWire.encode(new SubscriptionWire.Request(Samples.TOPIC, Delivery.RELIABLE,
                    StartAt.now(), java.util.Optional.empty(), new dev.ipc4j.session.SessionHandle(
                            dev.ipc4j.session.SessionHandle.Scope.SERVER_APP, new dev.ipc4j.shm.ShmHandle(0, 0, 128, 1))));
            ChannelRefusedException bad = assertThrows(ChannelRefusedException.class,
                    () -> session.openChannel(forged, Duration.ofSeconds(10)));
            assertTrue(bad.getMessage().contains("cursor"), bad.getMessage());
            byte[] garbage = forged.clone();
            garbage[56] = 127; // a topic length beyond the request
            bad = assertThrows(ChannelRefusedException.class, () -> session.openChannel(garbage, Duration.ofSeconds(10)));
            assertTrue(bad.getMessage().contains("malformed"), bad.getMessage());
            assertEquals(List.of(), publisher.subscribers());
        }
    }
}
