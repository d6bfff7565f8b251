package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Forged and garbled buffers: every one either verifies and then reads completely, or fails with
 * {@link InvalidFlatBufferException}; nothing else escapes and the JVM never crashes. Seeds are fixed, so a failure
 * repeats.
 */
class VerifierFuzzTest {
    private static final int MUTATIONS = 20_000;

    /** Verifies and, if that passes, reads everything the accessors can reach. Returns whether it was valid. */
    private static boolean verifyAndRead(MemorySegment buffer) {
        try {
            Body body = DemoMessages.readBody(buffer);
            DemoJson.render(body, Integer.MAX_VALUE);
            if (body.msgType() == BodyMsg.GetFileRsp) {
                GetFileRsp rsp = (GetFileRsp) FlatBufferReader.read(() -> body.msg(new GetFileRsp()));
                if (rsp != null) {
                    DemoMessages.checkParts(rsp);
                }
            } else if (body.msgType() == BodyMsg.GetFileReq) {
                GetFileReq req = (GetFileReq) FlatBufferReader.read(() -> body.msg(new GetFileReq()));
                if (req != null) { // a union type without a value is valid FlatBuffers
                    FlatBufferReader.read(req::name);
                }
            }
            return true;
        } catch (InvalidFlatBufferException expected) {
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("not the typed error for buffer " + hex(buffer), e);
        }
    }

    private static byte[] valid(ShmArena arena, boolean response) {
        try (FlatBufferMessage m = response
                ? DemoMessages.getFileRsp(arena, 3, 40, Arenas::fill)
                : DemoMessages.getFileReq(arena, "file-\u00e9.bin", 12345)) {
            return m.memory().toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void mutatedBuffersGiveTheTypedErrorOrReadCompletely() throws Exception {
        try (ShmArena arena = Arenas.create(); Arena scratch = Arena.ofConfined()) {
            byte[][] seeds = {valid(arena, false), valid(arena, true)};
            Random random = new Random(20261121);
            int invalid = 0;
            for (int i = 0; i < MUTATIONS; i++) {
                byte[] bytes = seeds[i % 2].clone();
                int edits = 1 + random.nextInt(4);
                for (int e = 0; e < edits; e++) {
                    int at = random.nextInt(bytes.length);
                    switch (random.nextInt(4)) {
                        case 0 -> bytes[at] ^= (byte) (1 << random.nextInt(8));          // flip a bit
                        case 1 -> bytes[at] = (byte) random.nextInt(256);                // any byte
                        case 2 -> bytes[at] = (byte) (random.nextBoolean() ? 0xFF : 0x7F); // extremes
                        default -> {                                                      // a 32-bit value
                            int word = at & ~3;
                            int value = switch (random.nextInt(3)) {
                                case 0 -> Integer.MAX_VALUE;
                                case 1 -> -random.nextInt(64);
                                default -> random.nextInt(bytes.length * 2);
                            };
                            for (int k = 0; k < 4 && word + k < bytes.length; k++) {
                                bytes[word + k] = (byte) (value >>> (8 * k));
                            }
                        }
                    }
                }
                if (random.nextInt(10) == 0) { // truncated
                    bytes = java.util.Arrays.copyOf(bytes, random.nextInt(bytes.length));
                }
                MemorySegment off = scratch.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
                off.copyFrom(MemorySegment.ofArray(bytes));
                if (!verifyAndRead(off.asReadOnly())) {
                    invalid++;
                }
            }
            assertTrue(invalid > MUTATIONS / 4, "most mutations must be caught: " + invalid);
            System.out.printf("%d mutations, %d rejected with InvalidFlatBufferException%n", MUTATIONS, invalid);
        }
    }

    @Test
    void randomBytesGiveTheTypedError() {
        Random random = new Random(42);
        int accepted = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (random.nextBoolean() && bytes.length >= 8) { // with the right identifier, to get past the header
                bytes[4] = 'I';
                bytes[5] = '4';
                bytes[6] = 'F';
                bytes[7] = 'D';
            }
            if (verifyAndRead(MemorySegment.ofArray(bytes))) {
                accepted++;
            }
        }
        assertTrue(accepted < 100, "random bytes are rarely a Body: " + accepted);
    }

    @Test
    void forgedBuffersAreRejectedWithAReason() throws Exception {
        try (ShmArena arena = Arenas.create()) {
            byte[] good = valid(arena, false);
            assertTrue(verifyAndRead(MemorySegment.ofArray(good)));

            byte[] rootOutside = good.clone();
            rootOutside[0] = (byte) 0xF0;
            rootOutside[3] = 0x7F;
            assertRejected(rootOutside, "leads outside");

            byte[] wrongId = good.clone();
            wrongId[5] = 'X';
            assertRejected(wrongId, "file identifier");

            assertRejected(new byte[3], "at least 8 bytes");

            int body = readInt(good, 0);
            int vtable = body - readInt(good, body);
            int typeField = Short.toUnsignedInt((short) readShort(good, vtable + 4));
            byte[] badUnion = good.clone();
            badUnion[body + typeField] = 9;
            assertRejected(badUnion, "union type 9");

            byte[] hugeVtable = good.clone();
            hugeVtable[vtable] = (byte) 0xFE;
            hugeVtable[vtable + 1] = (byte) 0xFF;
            assertRejected(hugeVtable, "vtable size");
        }
    }

    @Test
    void nestingAndTableCountAreLimited() throws Exception {
        try (ShmArena arena = Arenas.create(); FlatBufferMessage m = DemoMessages.getFileRsp(arena, 10, 8, Arenas::fill)) {
            DemoVerifier.verify(m.memory());
            InvalidFlatBufferException tooMany = assertThrows(InvalidFlatBufferException.class,
                    () -> DemoVerifier.verify(m.memory(), new FlatBufferVerifier.Limits(64, 5, true)));
            assertTrue(tooMany.getMessage().contains("more than 5 tables"), tooMany.getMessage());
            InvalidFlatBufferException tooDeep = assertThrows(InvalidFlatBufferException.class,
                    () -> DemoVerifier.verify(m.memory(), new FlatBufferVerifier.Limits(2, 1000, true)));
            assertTrue(tooDeep.getMessage().contains("nesting deeper than 2"), tooDeep.getMessage());
        }
    }

    private static void assertRejected(byte[] bytes, String reason) {
        InvalidFlatBufferException e = assertThrows(InvalidFlatBufferException.class, () -> DemoVerifier.verify(MemorySegment.ofArray(bytes)));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static int readInt(byte[] b, int at) {
        return MemorySegment.ofArray(b).get(ValueLayout.JAVA_INT_UNALIGNED, at);
    }

    private static int readShort(byte[] b, int at) {
        return MemorySegment.ofArray(b).get(ValueLayout.JAVA_SHORT_UNALIGNED, at);
    }

    private static String hex(MemorySegment buffer) {
        StringBuilder s = new StringBuilder();
        for (byte b : buffer.toArray(ValueLayout.JAVA_BYTE)) {
            s.append(String.format("%02x", b));
        }
        return s.toString();
    }

    @Test
    void theValidSeedsPass() throws Exception {
        try (ShmArena arena = Arenas.create()) {
            assertEquals(true, verifyAndRead(MemorySegment.ofArray(valid(arena, true))));
            if (!verifyAndRead(MemorySegment.ofArray(valid(arena, false)))) {
                fail("a valid request was rejected");
            }
        }
    }
}
