package dev.ipc4j.pubsub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Runner;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a subscriber and a publisher promise their own callers (both ends in one process; the IPC is tested apart). */
class PubSubInProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path runDir;

    private static void publish(Publisher publisher, int count) {
        for (int i = 0; i < count; i++) {
            MemorySegment m = publisher.loan(32);
            Samples.write(m, publisher.tail());
            publisher.publish();
        }
    }

    @Test
    void aHandlerThatThrowsLosesNothingAndAnAbandonedLoanIsGivenBack() throws Exception {
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(64));
                ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir))) {
            Publisher.serve(server, publisher);
            try (Subscriber subscriber = Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT)) {
                publisher.loan(128);
                assertThrows(IllegalStateException.class, () -> publisher.loan(64), "one loan at a time");
                publisher.abandon();
                publish(publisher, 10);
                List<Long> seen = new CopyOnWriteArrayList<>();
                IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> subscriber.poll(sample -> {
                    seen.add(sample.sequence());
                    if (sample.sequence() == 5) {
                        throw new IllegalStateException("the handler's own failure");
                    }
                }, 64));
                assertEquals("the handler's own failure", thrown.getMessage());
                assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), seen);
                assertEquals(4, subscriber.poll(sample -> seen.add(sample.sequence()), 64), "the rest, once each");
                assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), seen);
                assertEquals(0, subscriber.missed());
            }
            assertEquals(0, server.appArena().blocksHeldByOthers());
        }
    }

    /**
     * A server's shutdown hook and the application's run in no set order: a publisher closed after its server (whose
     * app arena held the topic) closes quietly, its subscriber having been ended with the server's sessions.
     */
    @Test
    void aPublisherClosedAfterItsServerClosesQuietly() throws Exception {
        SessionServer server = SessionServer.start(Samples.feed(runDir));
        Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(8));
        Publisher.serve(server, publisher);
        try (ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir));
             Subscriber subscriber = Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT)) {
            publish(publisher, 3);
            publisher.loan(64); // an unpublished loan too
            server.close();
            publisher.close();
            publisher.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> publisher.loan(8), "closed");
            // Its session ended, and with it the memory it read: what is left is the typed end, never a raw fault.
            int[] told = {0};
            Eventually.await(() -> {
                try {
                    return subscriber.receive(sample -> { }, Duration.ofMillis(10)) == Subscriber.ENDED;
                } catch (PublisherGoneException e) {
                    told[0]++;
                    return false;
                }
            }, "the subscriber ended with the server", WAIT);
            assertTrue(told[0] <= 1, "told at most once: " + told[0]);
            assertEquals(Subscriber.ENDED, subscriber.poll(sample -> { }, 16), "and ended from then on");
        }
    }

    @Test
    void aRetainedSampleOutlivesItsHandlerAndTheHistoryUntilClosed() throws Exception {
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(4));
                ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir))) {
            Publisher.serve(server, publisher);
            Subscriber subscriber = Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT.withMaxRetained(2));
            publish(publisher, 3);
            List<RetainedSample> kept = new CopyOnWriteArrayList<>();
            Sample[] seen = new Sample[1];
            IllegalStateException third = assertThrows(IllegalStateException.class, () -> subscriber.poll(sample -> {
                seen[0] = sample;
                kept.add(sample.retain());
            }, 3));
            assertTrue(third.getMessage().contains("maxRetained"), third.getMessage());
            assertEquals(2, subscriber.retained());
            assertThrows(IllegalStateException.class, seen[0]::retain, "outside its handler");
            publish(publisher, 20); // the history moves far past them: the retained blocks stay alive and unchanged
            for (RetainedSample r : kept) {
                assertTrue(Samples.check(r.memory(), r.sequence()), r.toString());
            }
            assertEquals(List.of(0L, 1L), kept.stream().map(RetainedSample::sequence).toList());
            kept.forEach(RetainedSample::close);
            kept.getFirst().close(); // idempotent
            assertEquals(0, subscriber.retained());
            assertEquals(1, server.appArena().blocksHeldByOthers(), "only the topic block, which the subscriber reads");
            subscriber.close();
        }
    }

    @Test
    void aRunnerReadsOnTheUsersThreadSurvivesItsHandlerAndLetsGoWhenClosedFromAnotherThread() throws Exception {
        List<Thread> made = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(64));
                ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir));
                Runner runner = Runner.start(Runner.Config.DEFAULT.withName("readers").withThreadFactory(r -> {
                    Thread t = Thread.ofPlatform().unstarted(r);
                    made.add(t);
                    return t;
                }))) {
            Publisher.serve(server, publisher);
            Subscriber subscriber = Subscriber.open(session, Samples.TOPIC, Subscriber.Config.DEFAULT.withDelivery(Delivery.RELIABLE));
            List<Long> seen = new CopyOnWriteArrayList<>();
            AtomicBoolean onUsersThread = new AtomicBoolean(true);
            subscriber.attach(runner, sample -> {
                onUsersThread.compareAndSet(true, made.contains(Thread.currentThread()));
                seen.add(sample.sequence());
                if (sample.sequence() == 3) {
                    throw new IllegalStateException("logged, and reading goes on");
                }
            });
            publish(publisher, 200); // more than the history: the reliable reader on the runner keeps up, woken by doorbells
            Eventually.await(() -> seen.size() == 200, "every sample on the runner", WAIT);
            assertTrue(onUsersThread.get(), "handlers ran on the runner's thread, made by the user's factory");
            int blocksBefore = session.arena().blocksHeldHere();
            subscriber.close(); // from this thread while the runner may be reading
            Eventually.await(() -> session.arena().blocksHeldHere() == blocksBefore - 1, "the cursor given back by the runner",
                    WAIT);
            Eventually.await(() -> publisher.subscribers().isEmpty(), "the publisher dropped it", WAIT);
            publish(publisher, 100); // nobody gates the publisher any more
        }
    }
}
