package dev.ipc4j.bench.demo;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.samples.flatbuffers.PartHash;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PartsLayoutTest {
    @ParameterizedTest
    @ValueSource(longs = {4096, 16_384, 16_384 + 128, 16_384 + 129, 100 << 10, 1 << 20, 10 << 20, 100 << 20, 1L << 30, 3L << 30})
    void partsFillTheMessageExactlyWithAtMostSixteenKiBEach(long bytes) {
        int parts = PartsLayout.partCount(bytes);
        long data = PartsLayout.dataOffset(parts);
        long last = bytes - data - (long) (parts - 1) * PartsLayout.PART_BYTES;
        assertTrue(last > 0 && last <= PartsLayout.PART_BYTES, "last part " + last + " of " + parts);
        assertEquals(0, data % 64, "parts start on a cache line");
    }

    @Test
    void aGigabyteHoldsAboutSixtyFiveThousandParts() {
        assertEquals(65_441, PartsLayout.partCount(1L << 30));
        assertEquals(7, PartsLayout.partCount(100 << 10));
    }

    @Test
    void aBuiltMessageVerifiesAndItsRootIsReadInPlace() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(1 << 20);
            PartsLayout.build(message, 42);
            assertEquals(PartsLayout.partCount(1 << 20), assertDoesNotThrow(() -> PartsLayout.readRoot(message)));
            assertDoesNotThrow(() -> PartsLayout.verify(message));
        }
    }

    @Test
    void verificationNamesTheCorruptedPart() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(100 << 10);
            PartsLayout.build(message, 7);
            PartsLayout.corrupt(message, 6);
            CorruptMessageException e = assertThrows(CorruptMessageException.class, () -> PartsLayout.verify(message));
            assertEquals("part 6 of 7: hash mismatch (its bytes changed)", e.getMessage());
        }
    }

    @Test
    void aTableEntryPointingOutsideTheMessageIsRejectedBeforeAnyRead() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(100 << 10);
            PartsLayout.build(message, 7);
            message.set(ValueLayout.JAVA_LONG_UNALIGNED, PartsLayout.TABLE + 2 * PartsLayout.ENTRY_BYTES + 8, 1L << 40);
            CorruptMessageException e = assertThrows(CorruptMessageException.class, () -> PartsLayout.verify(message));
            assertTrue(e.getMessage().startsWith("part 2: table entry"), e.getMessage());
        }
    }

    @Test
    void aHeaderThatDoesNotFitTheMessageIsRejected() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment message = arena.allocate(100 << 10);
            PartsLayout.build(message, 7);
            // The same message seen through a handle that lends less than was built: the header's length disagrees.
            assertThrows(CorruptMessageException.class, () -> PartsLayout.readRoot(message.asSlice(0, 50 << 10)));
            message.set(ValueLayout.JAVA_INT_UNALIGNED, PartsLayout.PART_COUNT, Integer.MAX_VALUE);
            assertThrows(CorruptMessageException.class, () -> PartsLayout.readRoot(message));
            assertThrows(CorruptMessageException.class, () -> PartsLayout.readRoot(arena.allocate(4096)), "zeros are no message");
        }
    }

    @Test
    void partBytesFollowTheSeedAndTheHashSeesAFlippedByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1000);
            MemorySegment again = arena.allocate(1000);
            MemorySegment other = arena.allocate(1000);
            PartBytes.fill(one, 0, 1000, 1);
            PartBytes.fill(again, 0, 1000, 1);
            PartBytes.fill(other, 0, 1000, 2);
            assertEquals(-1, one.mismatch(again), "the same seed, the same bytes");
            assertNotEquals(-1, one.mismatch(other), "another seed, other bytes");
            long h = PartHash.of(one);
            for (long at : new long[] {0, 31, 32, 500, 993, 999}) {
                one.set(ValueLayout.JAVA_BYTE, at, (byte) (one.get(ValueLayout.JAVA_BYTE, at) ^ 1));
                assertNotEquals(h, PartHash.of(one), "flip at " + at);
                one.set(ValueLayout.JAVA_BYTE, at, (byte) (one.get(ValueLayout.JAVA_BYTE, at) ^ 1));
            }
        }
    }
}
