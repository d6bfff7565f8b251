package dev.ipc4j.transport;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * Checksummed test traffic that sender and receiver generate alike from one seed, so the receiver knows the exact
 * size and content of message i and detects loss, duplication, reordering and corruption.
 *
 * <p>Sizes are log-uniform over 0..{@link #MAX_SIZE}: every order of magnitude is as likely as every other, so small
 * messages, ring-sized ones and 1 MiB ones (fragmented through a ring) are all exercised, at a volume a 2-core CI
 * machine can move a million times. Message i of size >= 16 holds {@code i} (u64), the CRC32C of the rest (u32), 4
 * spare bytes and a slice of a seeded random pattern; a smaller one is {@code size} bytes of {@code (byte) i}.
 */
final class Traffic {
    static final int MAX_SIZE = 1 << 20;
    private static final int HEADER = 16;

    private final SplittableRandom sizes;
    private final MemorySegment pattern;
    private final MemorySegment out;

    Traffic(long seed) {
        this.sizes = new SplittableRandom(seed);
        Arena arena = Arena.ofAuto();
        this.pattern = arena.allocate(2L * MAX_SIZE, 64);
        SplittableRandom content = new SplittableRandom(seed ^ 0x5eed);
        for (long i = 0; i < pattern.byteSize(); i += 8) {
            pattern.set(ValueLayout.JAVA_LONG_UNALIGNED, i, content.nextLong());
        }
        this.out = arena.allocate(MAX_SIZE, 64);
    }

    /** The size of the next message; call once per message, on both sides, in the same order. */
    int nextSize(long i) {
        if (i == 0) {
            return 0;
        }
        if (i == 1) {
            return MAX_SIZE;
        }
        int bits = sizes.nextInt(21); // 0..20
        return Math.min(MAX_SIZE, sizes.nextInt(1 << bits, 2 << bits) - 1);
    }

    /** Builds message {@code i} of {@code size} bytes (a view of an internal buffer, valid until the next call). */
    MemorySegment message(long i, int size) {
        MemorySegment m = out.asSlice(0, size);
        if (size < HEADER) {
            m.fill((byte) i);
            return m;
        }
        long offset = Math.floorMod(i * 7919, MAX_SIZE);
        MemorySegment.copy(pattern, offset, m, HEADER, size - HEADER);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, 8, crc(m.asSlice(HEADER)));
        return m;
    }

    /** Null when {@code blob} is message {@code i} of {@code size} bytes, intact; otherwise what is wrong. */
    static String check(BlobView blob, long i, int size) {
        if (blob.length() != size) {
            return "message " + i + " has " + blob.length() + " bytes, expected " + size;
        }
        MemorySegment m = blob.buffer().asSlice(blob.offset(), blob.length());
        if (size < HEADER) {
            for (int k = 0; k < size; k++) {
                if (m.get(ValueLayout.JAVA_BYTE, k) != (byte) i) {
                    return "message " + i + " (" + size + " bytes) corrupted at byte " + k;
                }
            }
            return null;
        }
        long seq = m.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (seq != i) {
            return "message " + seq + " arrived where " + i + " was due";
        }
        int crc = m.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
        if (crc != crc(m.asSlice(HEADER))) {
            return "message " + i + " (" + size + " bytes) fails its checksum";
        }
        return null;
    }

    private static int crc(MemorySegment bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes.asByteBuffer());
        return (int) crc.getValue();
    }
}
