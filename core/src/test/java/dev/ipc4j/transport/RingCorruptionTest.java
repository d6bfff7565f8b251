package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ring's reader treats everything in shared memory as the peer's word, not the truth: impossible positions,
 * lying record headers and broken fragment sequences give a {@link ProtocolException} and a closed pipe, and no read
 * ever leaves the ring's data area.
 */
class RingCorruptionTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final long CAPACITY = 4096;
    private static final long SIZE = RingLayout.segmentSize(CAPACITY);
    private static final RingPipe.Config CONFIG =
            new RingPipe.Config(CAPACITY, WaitStrategy.busySpin(), 64 * 1024);

    private Fd memfd;
    private EventFd bellA;
    private EventFd bellB;
    private EventFd bellC;
    private EventFd bellD;
    private Mapping writer;
    private MemorySegment control;
    private MemorySegment data;

    @BeforeEach
    void createSegment() throws Exception {
        memfd = MemFd.create("corrupt", SIZE);
        bellA = EventFd.create();
        bellB = EventFd.create();
        bellC = EventFd.create();
        bellD = EventFd.create();
        writer = Mapping.map(memfd, SIZE, false);
        MemorySegment s = writer.segment();
        s.set(ValueLayout.JAVA_LONG, RingLayout.HEADER_MAGIC, RingLayout.MAGIC);
        s.set(ValueLayout.JAVA_INT, RingLayout.HEADER_VERSION, RingLayout.VERSION);
        s.set(ValueLayout.JAVA_LONG, RingLayout.HEADER_CAPACITY, CAPACITY);
        control = s.asSlice(RingLayout.control(0), RingLayout.CONTROL_SIZE);
        data = s.asSlice(RingLayout.data(0, CAPACITY), CAPACITY);
    }

    @AfterEach
    void release() throws Exception {
        writer.close();
        memfd.close();
        bellA.close();
        bellB.close();
        bellC.close();
        bellD.close();
    }

    /** What a RING frame would bring: the segment and four doorbells. */
    private Fd[] offered() {
        return new Fd[] {memfd, bellA.fd(), bellB.fd(), bellC.fd(), bellD.fd()};
    }

    /** A reader of ring 0 over its own mapping of the segment, as the other process would have. */
    private RingPipe reader() throws Exception {
        return RingPipe.over(Mapping.map(memfd, SIZE, false), 1, CONFIG, PidFd.open(ProcessHandle.current().pid()));
    }

    private void record(long at, int length, int type) {
        data.set(ValueLayout.JAVA_INT, at, length);
        data.set(ValueLayout.JAVA_INT, at + 4, type);
    }

    /** Publishes {@code tail} over a ring read from the start (a previous scenario's reader moved HEAD). */
    private void tail(long tail) {
        control.set(ValueLayout.JAVA_LONG, RingLayout.HEAD, 0);
        control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL, tail);
    }

    private String fails() throws Exception {
        RingPipe pipe = reader();
        try {
            ProtocolException e = assertThrows(ProtocolException.class, () -> pipe.poll(blob -> { }, 100));
            assertFalse(pipe.isOpen(), "the pipe closes on a protocol error");
            return e.getMessage();
        } finally {
            pipe.close();
        }
    }

    @Test
    void impossibleTailsAreRejected() throws Exception {
        tail(CAPACITY + 8);
        assertTrue(fails().contains("impossible"));
        tail(12);
        assertTrue(fails().contains("impossible"));
        tail(-8);
        assertTrue(fails().contains("impossible"));
    }

    @Test
    void recordsThatLieAboutTheirLengthOrTypeAreRejected() throws Exception {
        record(0, -5, RingLayout.TYPE_DATA);
        tail(64);
        assertTrue(fails().contains("claims -5"));
        record(0, (int) CAPACITY, RingLayout.TYPE_DATA);
        tail(CAPACITY);
        assertTrue(fails().contains("ring's end"));
        record(0, 100, RingLayout.TYPE_DATA);
        tail(64);
        assertTrue(fails().contains("published tail"));
        record(0, 8, 99);
        tail(16);
        assertTrue(fails().contains("unknown type 99"));
    }

    @Test
    void brokenFragmentSequencesAreRejected() throws Exception {
        record(0, 8, RingLayout.TYPE_MIDDLE);
        tail(16);
        assertTrue(fails().contains("out of sequence"));
        record(0, 8, RingLayout.TYPE_BEGIN);
        record(16, 8, RingLayout.TYPE_DATA);
        tail(32);
        assertTrue(fails().contains("middle of a fragmented"));
    }

    @Test
    void aValidRingIsReadInPlace() throws Exception {
        record(0, 5, RingLayout.TYPE_DATA);
        data.set(ValueLayout.JAVA_BYTE, 8, (byte) 42);
        tail(16);
        RingPipe pipe = reader();
        try {
            byte[][] got = new byte[1][];
            assertEquals(1, pipe.poll(blob -> got[0] = blob.toArray(), 10));
            assertEquals(5, got[0].length);
            assertEquals(42, got[0][0]);
            assertEquals(16, control.get(ValueLayout.JAVA_LONG, RingLayout.HEAD), "consumed bytes handed back");
        } finally {
            pipe.close();
        }
    }

    @Test
    void aForgedSegmentIsRefusedBeforeItIsUsed() throws Exception {
        try (PidFd self = PidFd.open(ProcessHandle.current().pid())) {
            // Not sealed: its owner could shrink it under our feet.
            assertTrue(assertThrows(ProtocolException.class, () -> RingPipe.attach(offered(), CONFIG, self)).getMessage().contains("seal"));
        }
        MemFd.seal(memfd, MemFd.SEAL_SIZE);
        writer.segment().set(ValueLayout.JAVA_LONG, RingLayout.HEADER_CAPACITY, CAPACITY * 2);
        try (PidFd self = PidFd.open(ProcessHandle.current().pid())) {
            assertTrue(assertThrows(ProtocolException.class, () -> RingPipe.attach(offered(), CONFIG, self)).getMessage().contains("capacity"));
        }
        try (PidFd self = PidFd.open(ProcessHandle.current().pid())) {
            // A doorbell that is not an eventfd (here the segment itself): our wake-ups could block on it.
            assertTrue(assertThrows(ProtocolException.class, () -> RingPipe.attach(new Fd[] {memfd, bellA.fd(), bellB.fd(), memfd, bellD.fd()}, CONFIG, self))
                    .getMessage().contains("doorbell"));
        }
        writer.segment().set(ValueLayout.JAVA_LONG, RingLayout.HEADER_MAGIC, 0xBADL);
        try (PidFd self = PidFd.open(ProcessHandle.current().pid())) {
            assertTrue(assertThrows(ProtocolException.class, () -> RingPipe.attach(offered(), CONFIG, self)).getMessage().contains("magic"));
        }
    }

    /**
     * Seeded fuzzing: 100,000 rings, either random (positions and bytes) or valid traffic with random mutations of
     * headers, positions and payload. Every case ends in messages or a {@link ProtocolException}; the handler never
     * sees a message outside the limits.
     */
    @Test
    void fuzzedRingsGiveOnlyMessagesOrProtocolErrors() throws Exception {
        SplittableRandom random = new SplittableRandom(424242);
        int cases = 100_000;
        int[] outcomes = new int[2];
        for (int c = 0; c < cases; c++) {
            control.fill((byte) 0);
            if (random.nextInt(4) == 0) {
                fillRandom(random);
            } else {
                writeValidThenMutate(random);
            }
            RingPipe pipe;
            try {
                pipe = reader();
            } catch (ProtocolException refusedAtAttach) {
                outcomes[1]++;
                continue;
            }
            try {
                for (int polls = 0; polls < 1000; polls++) {
                    int n = pipe.poll(blob -> {
                        if (blob.length() < 0 || blob.length() > CONFIG.maxMessageSize()) {
                            fail("a message of " + blob.length() + " bytes");
                        }
                        blob.toArray(); // touch every byte: bounds are enforced, not assumed
                    }, 64);
                    if (n <= 0) {
                        break;
                    }
                }
                outcomes[0]++;
            } catch (ProtocolException expected) {
                outcomes[1]++;
            } catch (RuntimeException | TransportException | AssertionError e) {
                throw new AssertionError("case " + c + " ended with " + e, e);
            } finally {
                pipe.close();
            }
        }
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both outcomes occur: " + Arrays.toString(outcomes));
    }

    private void fillRandom(SplittableRandom random) {
        for (long i = 0; i < CAPACITY; i += 8) {
            data.set(ValueLayout.JAVA_LONG, i, random.nextLong());
        }
        long head = random.nextInt(4) == 0 ? random.nextLong() : (random.nextLong(0, 1L << 40) & ~7L);
        control.set(ValueLayout.JAVA_LONG, RingLayout.HEAD, head);
        control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL, random.nextBoolean() ? head + random.nextLong(-64, CAPACITY + 64) : random.nextLong());
    }

    private void writeValidThenMutate(SplittableRandom random) throws Exception {
        long start = random.nextLong(0, 1L << 20) & ~7L;
        control.set(ValueLayout.JAVA_LONG, RingLayout.HEAD, start);
        control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL, start);
        Ring producer = new Ring(control, data, bellA);
        producer.attachProducer(false); // positions are valid here: this is the honest writer
        int messages = random.nextInt(1, 12);
        for (int m = 0; m < messages; m++) {
            int length = random.nextInt(0, producer.maxRecordPayload() + 1);
            int type = random.nextInt(6) == 0 ? RingLayout.TYPE_BEGIN + random.nextInt(3) : RingLayout.TYPE_DATA;
            long at = producer.tryClaim(length);
            if (at < 0) {
                break;
            }
            data.asSlice(at, length).fill((byte) m);
            producer.commit(type);
        }
        int mutations = random.nextInt(0, 4);
        for (int k = 0; k < mutations; k++) {
            switch (random.nextInt(3)) {
                case 0 -> data.set(ValueLayout.JAVA_INT, (random.nextLong(0, CAPACITY) & ~3L), random.nextInt());
                case 1 -> control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL,
                        control.get(ValueLayout.JAVA_LONG, RingLayout.TAIL) + random.nextInt(-32, 33));
                default -> data.set(ValueLayout.JAVA_BYTE, random.nextLong(0, CAPACITY), (byte) random.nextInt(256));
            }
        }
    }
}
