package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.shm.ShmArena;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/** Test arenas: unique names, leak detection on, 1 MiB segments (larger blocks get a segment of their own). */
final class Arenas {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private Arenas() {
    }

    static ShmArena create(ShmArena.Ownership ownership) throws IOException {
        return ShmArena.create(ShmArena.Config.of("fbtest", "a" + NEXT.incrementAndGet()).withSharing(ShmArena.Sharing.BY_NAME).withOwnership(ownership)
                .withSegmentSize(1 << 20).withLeakDetection(ShmArena.LeakDetection.ALL));
    }

    static ShmArena create() throws IOException {
        return create(ShmArena.Ownership.SHARED);
    }

    /** Part {@code index}'s content: a cheap pattern that differs between parts and positions. */
    static void fill(int index, java.lang.foreign.MemorySegment part) {
        for (long at = 0; at + 8 <= part.byteSize(); at += 8) {
            part.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at, index * 0x9E3779B97F4A7C15L + at);
        }
        for (long at = part.byteSize() & ~7L; at < part.byteSize(); at++) {
            part.set(java.lang.foreign.ValueLayout.JAVA_BYTE, at, (byte) (index + at));
        }
    }
}
