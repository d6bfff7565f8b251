package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** XXH64 against published values, so other languages can check our part hashes. */
class PartHashTest {
    private static long xxh64(String s) {
        return PartHash.of(MemorySegment.ofArray(s.getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void matchesTheReferenceImplementation() {
        assertEquals(0xEF46DB3751D8E999L, xxh64(""));
        assertEquals(0x44BC2CF5AD770999L, xxh64("abc"));
        // 39 bytes: one 32-byte stripe, then the 4-byte and 1-byte tails
        assertEquals(0xFBCEA83C8A378BF1L, xxh64("Nobody inspects the spammish repetition"));
    }

    @Test
    void aFlippedBitChangesTheHash() {
        byte[] data = new byte[16 << 10];
        long before = PartHash.of(MemorySegment.ofArray(data));
        data[12345] ^= 4;
        assertNotEquals(before, PartHash.of(MemorySegment.ofArray(data)));
    }
}
