package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pool behind small inline messages: reuse, zeroing, size classes and its bound. */
class InlineBuffersTest {

    @Test
    void aClosedInlineMessageGivesItsBufferToTheNextOneZeroed() {
        // A size class no other test of this JVM uses, so the pool's state is this test's.
        long capacity = 5000 - Wire.HEADER;
        long address;
        try (OutMessage first = OutMessage.inline(capacity, 7)) {
            address = first.frame().address();
            first.payload().fill((byte) 0x5a);
        }
        try (OutMessage second = OutMessage.inline(capacity, 7)) {
            assertEquals(address, second.frame().address(), "the closed message's buffer is reused");
            MemorySegment p = second.payload();
            for (long i = 0; i < p.byteSize(); i++) {
                assertEquals(0, p.get(ValueLayout.JAVA_BYTE, i), "byte " + i + " of a reused payload");
            }
        }
    }

    @Test
    void sizeClassesCoverWhatIsAskedAndLargeFramesAreNotPooled() {
        for (long bytes : new long[] {1, 255, 256, 257, 1000, 4096, 4097, InlineBuffers.LARGEST}) {
            MemorySegment b = InlineBuffers.take(bytes);
            assertTrue(b.byteSize() >= bytes, bytes + " bytes asked, " + b.byteSize() + " given");
            assertTrue(b.byteSize() < Math.max(2 * bytes, InlineBuffers.SMALLEST + 1), "no more than the next power of two");
            assertEquals(0, b.address() % 16, "16-byte aligned");
            InlineBuffers.give(b);
        }
        assertTrue(InlineBuffers.pooled(InlineBuffers.LARGEST));
        assertFalse(InlineBuffers.pooled(InlineBuffers.LARGEST + 1));
    }

    @Test
    void aClassKeepsAtMostItsBound() {
        long bytes = 20_000; // the 32 KiB class, which no other test here uses
        List<MemorySegment> taken = new ArrayList<>();
        for (int i = 0; i < InlineBuffers.KEPT + 10; i++) {
            taken.add(InlineBuffers.take(bytes));
        }
        Set<Long> given = new HashSet<>();
        for (MemorySegment b : taken) {
            given.add(b.address());
            InlineBuffers.give(b);
        }
        int reused = 0;
        List<MemorySegment> again = new ArrayList<>();
        for (int i = 0; i < InlineBuffers.KEPT + 10; i++) {
            MemorySegment b = InlineBuffers.take(bytes);
            again.add(b);
            if (given.contains(b.address())) {
                reused++;
            }
        }
        assertEquals(InlineBuffers.KEPT, reused, "the pool kept exactly its bound, the rest went to the collector");
        again.forEach(InlineBuffers::give);
    }
}
