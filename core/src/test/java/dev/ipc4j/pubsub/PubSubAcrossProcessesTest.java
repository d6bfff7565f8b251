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
        return JvmChild.start(PubSubChild.class, "subscribe", runDir.toString(), delivery.name(), start, name,
                Long.toString(slowNanos), Long.toString(Long.MAX_VALUE));
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
                    reliable.add(subscriber(Delivery.RELIABLE, "now", "-", 0));
                    // one lossy subscriber is slow on purpose (50 us a sample): it is lapped, and must be told exactly
                    lossy.add(subscriber(Delivery.LOSSY, "now", "-", i == 0 ? 50_000 : 0));
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
                    c.send("exit");
                    assertEquals(0, c.awaitExit());
                }
                for (JvmChild c : lossy) {
                    c.send("exit");
                    assertEquals(0, c.awaitExit());
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
}
