package dev.ipc4j.tap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.message.PayloadSchema;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Tap records as an observer reads them from another process: what the tap writes reads back, schema records
 * included, and a record whose lengths lie is an IllegalArgumentException naming what does not fit.
 */
class TapRecordTest {
    private static final byte[] REQUEST = "REQUEST".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CODEC = "x.Codec".getBytes(StandardCharsets.UTF_8);

    private static MemorySegment schemaRecord(PayloadSchema schema) {
        byte[] d = TapRecord.describe(schema);
        byte[] kind = Tap.SCHEMA.getBytes(StandardCharsets.US_ASCII);
        MemorySegment r = MemorySegment.ofArray(new byte[(int) TapRecord.size(kind.length, 0, d.length)]);
        TapRecord.write(r, 1, 0, 0, false, 0, 3, kind, new byte[0], MemorySegment.ofArray(d), d.length);
        return r;
    }

    @Test
    void whatTheTapWritesReadsBack() {
        MemorySegment payload = MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5});
        MemorySegment r = MemorySegment.ofArray(new byte[(int) TapRecord.size(REQUEST.length, CODEC.length, 3)]);
        TapRecord.write(r, 42, 7, 9, true, 2, 5, REQUEST, CODEC, payload, 3);
        TapRecord t = TapRecord.check(r);
        assertEquals(42, t.timeMillis());
        assertEquals(7, t.session());
        assertEquals(9, t.channel());
        assertTrue(t.inbound());
        assertEquals(2, t.type());
        assertEquals(5, t.schemaNumber());
        assertEquals("REQUEST", t.kind());
        assertEquals("x.Codec", t.codec());
        assertEquals(5, t.length());
        assertArrayEquals(new byte[] {1, 2, 3}, t.payload().toArray(ValueLayout.JAVA_BYTE));
        assertThrows(IllegalArgumentException.class, t::schema, "a REQUEST record tells no schema");
    }

    @Test
    void aSchemaRecordTellsItsSchema() {
        PayloadSchema s = new PayloadSchema(PayloadSchema.PROTOBUF, "pkg.Msg", new byte[] {9, 8, 7});
        TapRecord t = TapRecord.check(schemaRecord(s));
        assertEquals(3, t.schemaNumber());
        assertEquals(s, t.schema());
        assertNotEquals(s, new PayloadSchema(PayloadSchema.PROTOBUF, "pkg.Msg", new byte[] {9, 8}));
    }

    @Test
    void lyingLengthsAreRefusedWithTheReason() {
        MemorySegment r = schemaRecord(new PayloadSchema(PayloadSchema.FLATBUFFERS, "", new byte[] {1}));
        long description = TapRecord.HEADER + Tap.SCHEMA.length();
        r.set(ValueLayout.JAVA_SHORT_UNALIGNED, description + TapRecord.ROOT_LEN, (short) 0x7FFF);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TapRecord.check(r).schema());
        assertTrue(e.getMessage().contains("do not fit"), e.getMessage());

        MemorySegment cut = schemaRecord(new PayloadSchema(PayloadSchema.FLATBUFFERS, "", new byte[] {1}));
        cut.set(ValueLayout.JAVA_INT_UNALIGNED, TapRecord.COPIED, 0x7FFF_FFFF);
        assertThrows(IllegalArgumentException.class, () -> TapRecord.check(cut));
        assertThrows(IllegalArgumentException.class, () -> TapRecord.check(MemorySegment.ofArray(new byte[TapRecord.HEADER - 1])));
    }
}
