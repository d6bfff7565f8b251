package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an honest producer's commits promise the consumer (ring layout 3): records come whole and in order through
 * their header words, the header after the last record is always 0, a full ring never overwrites a byte the consumer
 * has not handed back, and wrapping (padding, a claim moved to the start, an aborted claim) loses nothing. The ring
 * is driven directly, both ends in this process; the cross-process behaviour is ChannelAcrossProcessesTest's.
 */
class RingCommitTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final long CAPACITY = 4096;

    /** A producer and a consumer over one ring in plain memory, which starts zeroed as a fresh memfd does. */
    private record Ends(Ring producer, Ring consumer, MemorySegment data) {}

    private static Ends ends(Arena arena, EventFd bell) throws ProtocolException {
        MemorySegment control = arena.allocate(RingLayout.CONTROL_SIZE, 128);
        MemorySegment data = arena.allocate(CAPACITY, 4096);
        Ring producer = new Ring(control, data, bell);
        Ring consumer = new Ring(control, data, bell);
        producer.attachProducer(false);
        consumer.attachConsumer(false);
        return new Ends(producer, consumer, data);
    }

    private static void fill(MemorySegment data, long at, int length, long seed) {
        for (int i = 0; i < length; i++) {
            data.set(ValueLayout.JAVA_BYTE, at + i, (byte) (seed * 31 + i));
        }
    }

    private static void check(MemorySegment data, long at, int length, long seed) {
        for (int i = 0; i < length; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, at + i) != (byte) (seed * 31 + i)) {
                fail("message " + seed + " byte " + i + " was overwritten");
            }
        }
    }

    /**
     * One thread plays both ends in a random interleaving: the producer claims random sizes until the ring refuses,
     * the consumer reads a random number of records (publishing HEAD once per batch) and checks each byte.
     */
    @Test
    void randomInterleavingsDeliverEveryRecordWholeAndInOrder() throws Exception {
        try (Arena arena = Arena.ofConfined(); EventFd bell = EventFd.create()) {
            Ends e = ends(arena, bell);
            SplittableRandom random = new SplittableRandom(7);
            ArrayDeque<int[]> expected = new ArrayDeque<>(); // {seed, length}
            int produced = 0;
            int consumed = 0;
            int refusals = 0;
            while (consumed < 200_000) {
                for (int k = random.nextInt(1, 40); k > 0; k--) {
                    int length = random.nextInt(10) == 0 ? random.nextInt(0, e.producer().maxRecordPayload() + 1) : random.nextInt(0, 200);
                    long free = e.producer().freeSpace();
                    long needed = e.producer().bytesNeeded(length);
                    long at = e.producer().tryClaim(length);
                    if (at < 0) {
                        assertTrue(needed > free, "refused with room: needs " + needed + ", free " + free);
                        refusals++;
                        break;
                    }
                    assertTrue(needed <= free, "claimed without room");
                    fill(e.data(), at, length, produced);
                    if (random.nextInt(20) == 0) {
                        e.producer().abort();
                    } else {
                        e.producer().commit(RingLayout.TYPE_DATA);
                        expected.add(new int[] {produced, length});
                    }
                    produced++;
                }
                for (int k = random.nextInt(1, 60); k > 0; k--) {
                    int type = e.consumer().readRecord();
                    if (type == Ring.NONE) {
                        assertTrue(expected.isEmpty(), "a committed record was not found");
                        break;
                    }
                    if (type == RingLayout.TYPE_DATA) {
                        int[] next = expected.poll();
                        if (next == null) {
                            fail("a record nobody committed");
                        }
                        assertEquals(next[1], e.consumer().lastLength(), "length of message " + next[0]);
                        check(e.data(), e.consumer().payloadOffset(), next[1], next[0]);
                        consumed++;
                    } else {
                        assertEquals(RingLayout.TYPE_PADDING, type);
                    }
                    e.consumer().advance();
                }
                e.consumer().publishHead();
            }
            assertTrue(refusals > 1000, "the ring was full often enough to test the reserve: " + refusals);
        }
    }

    /**
     * Two threads, a producer and a consumer, a million records of random sizes through a 4 KiB ring (it wraps about
     * fifty thousand times): every record arrives once, whole and in order. A record read before its header's commit,
     * or a header cleared too late or over unread bytes, shows as a wrong sequence or a wrong byte.
     */
    @Test
    void aProducerAndAConsumerThreadAgreeOnEveryByte() throws Exception {
        try (Arena arena = Arena.ofShared(); EventFd bell = EventFd.create()) {
            Ends e = ends(arena, bell);
            int messages = 1_000_000;
            AtomicBoolean stop = new AtomicBoolean();
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                SplittableRandom random = new SplittableRandom(11);
                try {
                    for (int m = 0; m < messages; m++) {
                        int length = 8 + random.nextInt(0, 120);
                        long at;
                        while ((at = e.producer().tryClaim(length)) < 0) {
                            if (stop.get()) {
                                return;
                            }
                            Thread.onSpinWait();
                        }
                        e.data().set(ValueLayout.JAVA_INT, at, m);
                        fill(e.data(), at + 4, length - 4, m);
                        e.producer().commit(RingLayout.TYPE_DATA);
                    }
                } catch (ErrnoException ex) {
                    throw new IllegalStateException(ex);
                }
            }, r -> Thread.ofPlatform().name("ring-producer").start(r));
            SplittableRandom random = new SplittableRandom(11);
            int next = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try {
                while (next < messages) {
                    int type = e.consumer().readRecord();
                    if (type == Ring.NONE) {
                        if (producer.isCompletedExceptionally()) {
                            producer.join();
                        }
                        if (System.nanoTime() > deadline) {
                            fail("stuck at message " + next + " (a record lost, or the ring full of records never seen)");
                        }
                        Thread.onSpinWait();
                        continue;
                    }
                    if (type == RingLayout.TYPE_DATA) {
                        int length = 8 + random.nextInt(0, 120);
                        assertEquals(length, e.consumer().lastLength(), "length of message " + next);
                        long at = e.consumer().payloadOffset();
                        assertEquals(next, e.data().get(ValueLayout.JAVA_INT, at), "sequence");
                        check(e.data(), at + 4, length - 4, next);
                        next++;
                    }
                    e.consumer().advance();
                    if ((next & 7) == 0) {
                        e.consumer().publishHead();
                    }
                }
                e.consumer().publishHead();
                producer.get(1, TimeUnit.MINUTES);
            } finally {
                stop.set(true);
                producer.exceptionally(ignored -> null).get(1, TimeUnit.MINUTES);
            }
        }
    }
}
