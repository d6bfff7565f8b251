package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The frame header's checks, field by field, without processes. */
class WireTest {
    /** A good inline NOTIFY with 8 payload bytes, changed by {@code change}. */
    private static MemorySegment frame(Consumer<MemorySegment> change) {
        MemorySegment f = MemorySegment.ofArray(new byte[Wire.HEADER + 8]);
        Wire.writeHeader(f, Kind.NOTIFY, 0, 5, 0, 77, 0, 0, 8);
        change.accept(f);
        return f;
    }

    private static void rejected(String why, MemorySegment f) {
        var e = assertThrows(MalformedMessageException.class, () -> Wire.readHeader(f), "accepted: " + why);
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void aGoodHeaderReadsBackAsWritten() throws Exception {
        Wire.Header h = Wire.readHeader(frame(f -> { }));
        assertEquals(Kind.NOTIFY, h.kind());
        assertEquals(0, h.flags());
        assertEquals(5, h.id());
        assertEquals(0, h.inResponseTo());
        assertEquals(77, h.type());
        assertEquals(0, h.fdCount());
        assertEquals(0, h.payloadOffset());
        assertEquals(8, h.payloadLength());
        MemorySegment shm = MemorySegment.ofArray(new byte[Wire.SHM_FRAME]);
        Wire.writeHeader(shm, Kind.RESPONSE, Wire.SHM | Wire.HAS_FDS, -2, 9, -1, 3, 4096, 1L << 40);
        Wire.Header r = h.read(shm); // the same holder, overwritten
        assertEquals(Kind.RESPONSE, r.kind());
        assertTrue(r.shm() && r.hasFds());
        assertEquals(-2, r.id()); // ids are unsigned: only 0 is reserved
        assertEquals(1L << 40, r.payloadLength()); // checked later, against the handle and the lease
    }

    @Test
    void everyFieldIsChecked() {
        rejected("short", frame(f -> { }).asSlice(0, Wire.HEADER - 1));
        rejected("magic", frame(f -> f.set(ValueLayout.JAVA_INT_UNALIGNED, Wire.MAGIC_AT, 0)));
        rejected("version", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.VERSION_AT, (byte) 3)));
        rejected("version 1", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.VERSION_AT, (byte) 1)));
        rejected("kind 0", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) 0)));
        rejected("kind 15", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) 15)));
        rejected("kind 255", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) -1)));
        rejected("flag", frame(f -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) 8)));
        rejected("PEER_CALL off a call", frame(f -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) 4)));
        rejected("id 0", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.ID_AT, 0)));
        rejected("a notification answering", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.IN_RESPONSE_TO_AT, 3)));
        rejected("a response answering nothing", frame(f -> f.set(ValueLayout.JAVA_BYTE, Wire.KIND_AT, (byte) Kind.RESPONSE.code)));
        rejected("fds without flag", frame(f -> f.set(ValueLayout.JAVA_INT_UNALIGNED, Wire.FD_COUNT_AT, 1)));
        rejected("flag without fds", frame(f -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) Wire.HAS_FDS)));
        rejected("too many fds", frame(f -> {
            f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) Wire.HAS_FDS);
            f.set(ValueLayout.JAVA_INT_UNALIGNED, Wire.FD_COUNT_AT, Wire.MAX_FDS + 1);
        }));
        rejected("negative length", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_LENGTH_AT, -1)));
        rejected("longer than the frame", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_LENGTH_AT, 9)));
        rejected("shorter than the frame", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_LENGTH_AT, 7)));
        rejected("inline at an offset", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_OFFSET_AT, 1)));
        rejected("negative offset", frame(f -> f.set(ValueLayout.JAVA_LONG_UNALIGNED, Wire.PAYLOAD_OFFSET_AT, Long.MIN_VALUE)));
        rejected("shm frame of the wrong size", frame(f -> f.set(ValueLayout.JAVA_SHORT_UNALIGNED, Wire.FLAGS_AT, (short) Wire.SHM)));
        MemorySegment end = MemorySegment.ofArray(new byte[Wire.HEADER + 8]);
        Wire.writeHeader(end, Kind.STREAM_END, 0, 1, 2, 0, 0, 0, 8);
        rejected("a stream end with a payload", end);
        MemorySegment unexpected = MemorySegment.ofArray(new byte[Wire.HEADER + 4]);
        Wire.writeHeader(unexpected, Kind.UNEXPECTED_RESPONSE, 0, 1, 2, 0, 0, 0, 4);
        rejected("an unexpected-response report of 4 bytes", unexpected);
    }

    @Test
    void withinNeverOverflows() {
        assertTrue(Wire.within(0, 0, 0));
        assertTrue(Wire.within(4096, 0, 4096));
        assertTrue(Wire.within(10, 90, 100));
        assertFalse(Wire.within(10, 91, 100));
        assertFalse(Wire.within(101, 0, 100));
        assertFalse(Wire.within(Long.MAX_VALUE, Long.MAX_VALUE, 100));
        assertFalse(Wire.within(1, Long.MAX_VALUE, Long.MAX_VALUE));
        assertFalse(Wire.within(-1, 1, 100));
    }
}
