package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferPayloadException;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The codecs in one process: what each returns for valid buffers, and for garbled ones only the typed errors; the lazy
 * checks (top, then every part) accept exactly the buffers the full verifier accepts.
 */
class FlatBuffersCodecTest {
    private static final int MUTATIONS = 10_000;

    @Test
    void bothCodecsReadTheDemoMessagesInPlace() throws Exception {
        try (ShmArena arena = Arenas.create();
             FlatBufferMessage rsp = DemoMessages.getFileRsp(arena, 5, 100, Arenas::fill);
             FlatBufferMessage req = DemoMessages.getFileReq(arena, "a.bin", 500)) {
            Body body = DemoCodec.VERIFIED.read(rsp.memory());
            assertEquals(BodyMsg.GetFileRsp, DemoCodec.VERIFIED.typeOf(body));
            assertTrue(DemoCodec.VERIFIED.toJson(body).startsWith("{\"msg\":{\"GetFileRsp\""));

            LazyBody lazy = DemoCodec.LAZY.read(rsp.memory());
            assertEquals(BodyMsg.GetFileRsp, DemoCodec.LAZY.typeOf(lazy));
            assertEquals(5, lazy.partCount());
            assertEquals(100, lazy.partData(4, new Part()).byteSize());
            assertEquals(500, lazy.checkParts());
            assertFalse(lazy.isFullyVerified());
            assertTrue(lazy.verifyAll().isFullyVerified());
            assertEquals(DemoCodec.VERIFIED.toJson(body), DemoCodec.LAZY.toJson(lazy));

            LazyBody r = DemoCodec.LAZY.read(req.memory());
            assertEquals(BodyMsg.GetFileReq, r.type());
            assertEquals("a.bin", r.getFileReq().name());
            assertEquals(0, r.partCount());
            assertThrows(IndexOutOfBoundsException.class, () -> r.part(0, new Part()));
        }
    }

    @Test
    void theAdoptedMessageIsTheBuilderBlock() throws Exception {
        try (ShmArena arena = Arenas.create()) {
            FlatBufferMessage m = DemoMessages.getFileReq(arena, "x", 1);
            try (var out = m.toOutMessage(BodyMsg.GetFileReq)) {
                assertTrue(out.isShared());
                assertEquals(m.length(), out.length());
                assertEquals(m.memory().address(), out.payload().address());
                assertEquals(BodyMsg.GetFileReq, out.type());
            }
            assertEquals(0, arena.liveBytes(), "closing the OutMessage frees the block");
        }
    }

    @Test
    void garbledBuffersGiveTypedErrorsAndLazyChecksAgreeWithTheFullVerifier() throws Exception {
        try (ShmArena arena = Arenas.create(); Arena scratch = Arena.ofConfined()) {
            byte[] seed;
            try (FlatBufferMessage m = DemoMessages.getFileRsp(arena, 3, 40, Arenas::fill)) {
                seed = m.memory().toArray(ValueLayout.JAVA_BYTE);
            }
            Random random = new Random(6);
            int agreedInvalid = 0;
            for (int i = 0; i < MUTATIONS; i++) {
                byte[] bytes = seed.clone();
                for (int e = 1 + random.nextInt(3); e > 0; e--) {
                    int at = random.nextInt(bytes.length);
                    if (random.nextBoolean()) {
                        bytes[at] = (byte) random.nextInt(256);
                    } else {
                        int word = at & ~3;
                        int value = random.nextBoolean() ? random.nextInt(bytes.length * 2) : Integer.MAX_VALUE - random.nextInt(8);
                        for (int b = 0; b < 4 && word + b < bytes.length; b++) {
                            bytes[word + b] = (byte) (value >>> (8 * b));
                        }
                    }
                }
                MemorySegment buffer = scratch.allocate(bytes.length);
                MemorySegment.copy(MemorySegment.ofArray(bytes), 0, buffer, 0, bytes.length);
                boolean full = accepts(() -> DemoVerifier.verify(buffer));
                boolean lazy;
                try {
                    LazyBody body = DemoCodec.LAZY.read(buffer);
                    DemoCodec.LAZY.toJson(body); // never throws: an unreadable part renders as {"invalid":...}
                    lazy = true;
                    for (int p = 0; p < body.partCount(); p++) {
                        int index = p;
                        lazy &= accepts(() -> body.partData(index, new Part()));
                    }
                    assertEquals(lazy, accepts(body::verifyAll), "verifyAll agrees with the part checks, mutation " + i);
                    accepts(body::checkParts);
                } catch (FlatBufferPayloadException e) {
                    lazy = false;
                } catch (RuntimeException | Error e) {
                    throw new AssertionError("not the typed error, mutation " + i, e);
                }
                assertEquals(full, lazy, "lazy and full verification agree, mutation " + i);
                assertEquals(full, accepts(() -> {
                    try {
                        DemoCodec.VERIFIED.read(buffer);
                    } catch (FlatBufferPayloadException e) {
                        throw (InvalidFlatBufferException) e.getCause();
                    }
                }), "VERIFIED accepts what the verifier accepts, mutation " + i);
                agreedInvalid += full ? 0 : 1;
            }
            assertTrue(agreedInvalid > MUTATIONS / 4, "the mutations made invalid buffers: " + agreedInvalid);
        }
    }

    interface Check {
        void run() throws Exception;
    }

    /** Whether {@code check} passes; only InvalidFlatBufferException counts as a rejection, anything else fails the test. */
    private static boolean accepts(Check check) {
        try {
            check.run();
            return true;
        } catch (InvalidFlatBufferException e) {
            return false;
        } catch (Exception e) {
            throw new AssertionError("not the typed error", e);
        }
    }
}
