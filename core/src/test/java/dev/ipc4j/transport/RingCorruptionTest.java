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

    /** Commits a record header at {@code at} in the data area, as a producer's commit would. */
    private void record(long at, int length, int type) {
        data.set(ValueLayout.JAVA_LONG, at, RingLayout.headerWord(length, type));
    }

    /** Starts the reader at {@code head} over whatever the data area holds (TAIL is left as garbage: it is not read). */
    private void head(long head) {
        control.set(ValueLayout.JAVA_LONG, RingLayout.HEAD, head);
        control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL, 0xDEAD_BEEFL);
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

    private String refusedAtAttach() {
        return assertThrows(ProtocolException.class, this::reader).getMessage();
    }

    @Test
    void impossibleHeadsAreRefusedAtAttach() {
        head(12);
        assertTrue(refusedAtAttach().contains("impossible"));
        head(-8);
        assertTrue(refusedAtAttach().contains("impossible"));
    }

    @Test
    void aForgedTailIsNeverUsedToFindRecords() throws Exception {
        head(0);
        control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL, CAPACITY * 5 + 3); // impossible, and ignored
        RingPipe pipe = reader();
        try {
            assertEquals(0, pipe.poll(blob -> fail("nothing is committed"), 10));
            record(0, 4, RingLayout.TYPE_DATA);
            assertEquals(1, pipe.poll(blob -> assertEquals(4, blob.length()), 10));
        } finally {
            pipe.close();
        }
    }

    @Test
    void recordsThatLieAboutTheirLengthOrTypeAreRejected() throws Exception {
        record(0, -5, RingLayout.TYPE_DATA);
        head(0);
        assertTrue(fails().contains("claims -5"));
        record(0, (int) CAPACITY, RingLayout.TYPE_DATA);
        head(0);
        assertTrue(fails().contains("ring's end"));
        // A record near the end that runs past it (a reader far into its laps: the position is masked).
        record(CAPACITY - 16, 9, RingLayout.TYPE_DATA);
        head(7 * CAPACITY + CAPACITY - 16);
        assertTrue(fails().contains("ring's end"));
        // Padding that claims more than the rest of the ring.
        record(CAPACITY - 64, 100, RingLayout.TYPE_PADDING);
        head(CAPACITY - 64);
        assertTrue(fails().contains("ring's end"));
        record(0, 8, 99);
        head(0);
        assertTrue(fails().contains("unknown type 99"));
    }

    @Test
    void tornOrHalfForgedHeadersAreRejected() throws Exception {
        // A header word with a length but no type: never what a commit stores (it stores both at once).
        data.set(ValueLayout.JAVA_LONG, 0, RingLayout.headerWord(16, 0));
        head(0);
        assertTrue(fails().contains("unknown type 0"));
        // A type and a negative length: the length half is checked as a signed 32-bit value.
        data.set(ValueLayout.JAVA_LONG, 0, RingLayout.headerWord(0x8000_0000, RingLayout.TYPE_DATA));
        head(0);
        assertTrue(fails().contains("claims -2147483648"));
    }

    @Test
    void aPayloadWithoutItsCommittedHeaderIsNotRead() throws Exception {
        data.asSlice(8, 64).fill((byte) 7); // written, not committed
        head(0);
        RingPipe pipe = reader();
        try {
            assertEquals(0, pipe.poll(blob -> fail("uncommitted"), 10));
            assertFalse(pipe.hasUnreadInput());
            record(0, 64, RingLayout.TYPE_DATA);
            assertTrue(pipe.hasUnreadInput());
            byte[][] got = new byte[1][];
            assertEquals(1, pipe.poll(blob -> got[0] = blob.toArray(), 10));
            assertEquals(7, got[0][63]);
            assertEquals(0, pipe.poll(blob -> fail("the next header is still 0"), 10));
        } finally {
            pipe.close();
        }
    }

    @Test
    void brokenFragmentSequencesAreRejected() throws Exception {
        record(0, 8, RingLayout.TYPE_MIDDLE);
        head(0);
        assertTrue(fails().contains("out of sequence"));
        record(0, 8, RingLayout.TYPE_BEGIN);
        record(16, 8, RingLayout.TYPE_DATA);
        head(0);
        assertTrue(fails().contains("middle of a fragmented"));
    }

    @Test
    void aValidRingIsReadInPlaceAndHandedBackOncePerPoll() throws Exception {
        record(0, 5, RingLayout.TYPE_DATA);
        data.set(ValueLayout.JAVA_BYTE, 8, (byte) 42);
        record(16, 0, RingLayout.TYPE_DATA);
        record(24, 1, RingLayout.TYPE_DATA);
        head(0);
        RingPipe pipe = reader();
        try {
            byte[][] got = new byte[1][];
            long[] headSeen = new long[3];
            int[] n = {0};
            assertEquals(2, pipe.poll(blob -> {
                headSeen[n[0]++] = control.get(ValueLayout.JAVA_LONG, RingLayout.HEAD);
                if (got[0] == null) {
                    got[0] = blob.toArray();
                }
            }, 2));
            assertEquals(5, got[0].length);
            assertEquals(42, got[0][0]);
            assertEquals(0, headSeen[0]);
            assertEquals(0, headSeen[1], "HEAD is not published per record");
            assertEquals(24, control.get(ValueLayout.JAVA_LONG, RingLayout.HEAD), "the poll's records handed back at once");
            assertEquals(1, pipe.poll(blob -> { }, 10));
            assertEquals(40, control.get(ValueLayout.JAVA_LONG, RingLayout.HEAD));
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
            } catch (RuntimeException | AssertionError e) {
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
        if (random.nextBoolean()) { // a plausible header where the reader starts
            data.set(ValueLayout.JAVA_LONG, head & (CAPACITY - 1) & ~7L,
                    RingLayout.headerWord(random.nextInt(-8, (int) CAPACITY + 8), random.nextInt(0, 7)));
        }
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
            switch (random.nextInt(5)) {
                case 0 -> data.set(ValueLayout.JAVA_INT, (random.nextLong(0, CAPACITY) & ~3L), random.nextInt());
                case 1 -> control.set(ValueLayout.JAVA_LONG, RingLayout.TAIL,
                        control.get(ValueLayout.JAVA_LONG, RingLayout.TAIL) + random.nextInt(-32, 33));
                case 2 -> control.set(ValueLayout.JAVA_LONG, RingLayout.HEAD, // a position past the end, or torn
                        control.get(ValueLayout.JAVA_LONG, RingLayout.HEAD) + random.nextInt(-4, 5) * 4L);
                case 3 -> { // a header word forged in place: a known type with a lying length, or the reverse
                    long at = random.nextLong(0, CAPACITY) & ~7L;
                    data.set(ValueLayout.JAVA_LONG, at, random.nextBoolean()
                            ? RingLayout.headerWord(random.nextInt(), RingLayout.TYPE_DATA + random.nextInt(5))
                            : RingLayout.headerWord(random.nextInt(0, 64), random.nextInt()));
                }
                default -> data.set(ValueLayout.JAVA_BYTE, random.nextLong(0, CAPACITY), (byte) random.nextInt(256));
            }
        }
    }
}
