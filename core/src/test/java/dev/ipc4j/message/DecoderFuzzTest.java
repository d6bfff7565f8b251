package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.shm.ShmHandle;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of the message layer's decoders of peer bytes (issue 13): the frame header ({@link Wire#readHeader})
 * and the session handle a shared-memory frame carries. Every input, random or a mutation of a valid one, gives a
 * value or the decoder's typed exception, never another exception. Seeds are fixed, so a failure reproduces.
 */
class DecoderFuzzTest {
    private static final int CASES = 200_000;

    @Test
    void frameHeadersGiveAHeaderOrMalformedMessageException() {
        SplittableRandom random = new SplittableRandom(42);
        MemorySegment inline = MemorySegment.ofArray(new byte[Wire.HEADER + 8]);
        Wire.writeHeader(inline, Kind.REQUEST, 0, 7, 0, 3, 0, 0, 8);
        MemorySegment shm = MemorySegment.ofArray(new byte[Wire.SHM_FRAME]);
        Wire.writeHeader(shm, Kind.RESPONSE, Wire.SHM, 9, 7, 3, 0, 4096, 1000);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            MemorySegment blob = input(random, random.nextBoolean() ? inline : shm);
            try {
                Wire.readHeader(blob);
                accepted++;
            } catch (MalformedMessageException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + ": " + e, e);
            }
        }
        assertTrue(accepted > 0, "some mutations leave a valid header");
    }

    @Test
    void sessionHandlesGiveAHandleOrAShmException() {
        SplittableRandom random = new SplittableRandom(43);
        MemorySegment valid = MemorySegment.ofArray(new byte[SessionHandle.BYTES]);
        new SessionHandle(SessionHandle.Scope.SERVER_APP, new ShmHandle(2, 4096, 100, 5L << 32 | 1)).writeTo(valid, 0);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            MemorySegment blob = input(random, valid);
            try {
                SessionHandle.readFrom(blob, random.nextInt(4) == 0 ? random.nextInt(-2, 8) : 0);
                accepted++;
            } catch (ShmException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isBlank());
            } catch (RuntimeException e) {
                throw new AssertionError("case " + i + ": " + e, e);
            }
        }
        assertTrue(accepted > 0, "some mutations leave a valid handle");
    }

    /** Random bytes of a random length, or {@code valid} with a few bytes changed, cut or extended. */
    private static MemorySegment input(SplittableRandom random, MemorySegment valid) {
        byte[] bytes;
        switch (random.nextInt(4)) {
            case 0 -> {
                bytes = new byte[random.nextInt(0, (int) valid.byteSize() + 16)];
                random.nextBytes(bytes);
            }
            case 1 -> bytes = java.util.Arrays.copyOf(valid.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    random.nextInt(0, (int) valid.byteSize() + 16));
            default -> {
                bytes = valid.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (int n = random.nextInt(1, 4); n > 0; n--) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = random.nextInt(3) == 0 ? (byte) -1 : (byte) random.nextInt(256);
                }
            }
        }
        return MemorySegment.ofArray(bytes);
    }
}
