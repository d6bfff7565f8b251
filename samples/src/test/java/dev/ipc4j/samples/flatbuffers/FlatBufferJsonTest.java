package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.flatbuffers.FlatBufferJson;
import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferSchema;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.message.PayloadSchema;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * demo.fbs' messages rendered by the binary schema alone (what {@code ipc4j inspect} does, without the generated
 * classes): the same content as the hand-written DemoJson; garbled buffers and garbled schemas give only
 * {@link InvalidFlatBufferException}.
 */
class FlatBufferJsonTest {
    private static FlatBufferSchema demo() {
        PayloadSchema told = DemoCodec.VERIFIED.schema().orElseThrow();
        assertEquals(PayloadSchema.FLATBUFFERS, told.format());
        return FlatBufferSchema.read(told.bytes(), told.root());
    }

    private static byte[] bytes(FlatBufferMessage m) {
        try (m) {
            return m.memory().toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Test
    void rendersEveryKindOfFieldTheDemoHasAsDeclared() throws Exception {
        FlatBufferSchema schema = demo();
        assertEquals("dev.ipc4j.samples.flatbuffers.demo.Body", schema.rootTable().name());
        try (ShmArena arena = Arenas.create()) {
            byte[] req = bytes(DemoMessages.getFileReq(arena, "file-\u00e9 \"x\".bin", -2));
            assertEquals("{\"msg_type\":\"GetFileReq\",\"msg\":{\"name\":\"file-\u00e9 \\\"x\\\".bin\",\"size\":18446744073709551614}}",
                    FlatBufferJson.render(schema, MemorySegment.ofArray(req), 8));

            byte[] rsp = bytes(DemoMessages.getFileRsp(arena, 3, 40, Arenas::fill));
            String json = FlatBufferJson.render(schema, MemorySegment.ofArray(rsp), 2);
            assertTrue(json.startsWith("{\"msg_type\":\"GetFileRsp\",\"msg\":{\"parts\":[{\"size\":40,\"hash\":"), json);
            assertTrue(json.contains("\"data\":{\"length\":40}"), json);
            assertTrue(json.endsWith("],\"partsNotShown\":1}}"), "two of three parts, and a count of the rest: " + json);
            long hash = DemoMessages.readBody(MemorySegment.ofArray(rsp)).msg(new dev.ipc4j.samples.flatbuffers.demo.GetFileRsp()) instanceof
                    dev.ipc4j.samples.flatbuffers.demo.GetFileRsp r ? r.parts(0).hash() : 0;
            assertTrue(json.contains("\"hash\":" + Long.toUnsignedString(hash) + ","), "the first part's hash: " + json);
        }
    }

    @Test
    void garbledBuffersGiveTheTypedErrorOnly() throws Exception {
        FlatBufferSchema schema = demo();
        try (ShmArena arena = Arenas.create()) {
            byte[][] seeds = {bytes(DemoMessages.getFileReq(arena, "a.bin", 7)), bytes(DemoMessages.getFileRsp(arena, 3, 40, Arenas::fill))};
            Random random = new Random(20261207);
            int rejected = 0;
            for (int i = 0; i < 20_000; i++) {
                byte[] b = seeds[i % 2].clone();
                for (int e = 0, n = 1 + random.nextInt(4); e < n; e++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(10) == 0) {
                    b = java.util.Arrays.copyOf(b, random.nextInt(b.length));
                }
                try {
                    FlatBufferJson.render(schema, MemorySegment.ofArray(b), 8);
                } catch (InvalidFlatBufferException expected) {
                    rejected++;
                }
            }
            assertTrue(rejected > 1000, "garbled offsets are caught: " + rejected);
        }
    }

    @Test
    void garbledSchemasGiveTheTypedErrorOnly() {
        byte[] good = DemoCodec.VERIFIED.schema().orElseThrow().bytes();
        assertThrows(InvalidFlatBufferException.class, () -> FlatBufferSchema.read(new byte[16], ""));
        assertThrows(InvalidFlatBufferException.class, () -> FlatBufferSchema.read(good, "no.Such"));
        assertThrows(InvalidFlatBufferException.class, () -> DemoCodec.VERIFIED.withSchema(new byte[16], ""),
                "a codec refuses what is no binary schema at all");
        Random random = new Random(7);
        int rejected = 0;
        for (int i = 0; i < 5_000; i++) {
            byte[] b = good.clone();
            for (int e = 0, n = 1 + random.nextInt(4); e < n; e++) {
                b[8 + random.nextInt(b.length - 8)] = (byte) random.nextInt(256);
            }
            try {
                FlatBufferSchema s = FlatBufferSchema.read(b, "");
                FlatBufferJson.render(s, MemorySegment.ofArray(new byte[64]), 8); // whatever it says, walking is safe
            } catch (InvalidFlatBufferException expected) {
                rejected++;
            }
        }
        assertTrue(rejected > 100, "garbled schemas are caught: " + rejected);
    }
}
