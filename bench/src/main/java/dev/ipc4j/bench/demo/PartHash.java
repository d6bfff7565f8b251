package dev.ipc4j.bench.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The demo's 64-bit hash of a part and the pseudo-random bytes parts are filled with. Not cryptographic: it only has to
 * catch a part that changed, and to run at several GB/s so that checking 1 GiB after each round trip stays cheap. Four
 * independent lanes over 32-byte strides keep the multiplier's latency off the critical path.
 */
public final class PartHash {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long P1 = 0x9E3779B97F4A7C15L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;

    private PartHash() {}

    /** Hash of bytes {@code [offset, offset + length)} of {@code memory}, with the length mixed in. */
    public static long of(MemorySegment memory, long offset, long length) {
        long a = P1;
        long b = P2;
        long c = P3;
        long d = P1 ^ P2;
        long i = offset;
        long end = offset + length;
        for (; i + 32 <= end; i += 32) {
            a = Long.rotateLeft(a + memory.get(LONG, i) * P2, 31) * P1;
            b = Long.rotateLeft(b + memory.get(LONG, i + 8) * P2, 31) * P1;
            c = Long.rotateLeft(c + memory.get(LONG, i + 16) * P2, 31) * P1;
            d = Long.rotateLeft(d + memory.get(LONG, i + 24) * P2, 31) * P1;
        }
        long h = Long.rotateLeft(a, 1) + Long.rotateLeft(b, 7) + Long.rotateLeft(c, 12) + Long.rotateLeft(d, 18) + length;
        for (; i + 8 <= end; i += 8) {
            h = Long.rotateLeft(h ^ memory.get(LONG, i) * P2, 27) * P1 + P3;
        }
        for (; i < end; i++) {
            h = Long.rotateLeft(h ^ (memory.get(ValueLayout.JAVA_BYTE, i) & 0xFFL) * P3, 11) * P1;
        }
        return mix(h);
    }

    /** Fills {@code [offset, offset + length)} with bytes that depend on {@code seed} (a SplitMix64 stream). */
    public static void fill(MemorySegment memory, long offset, long length, long seed) {
        long state = seed;
        long i = offset;
        long end = offset + length;
        for (; i + 8 <= end; i += 8) {
            state += P1;
            memory.set(LONG, i, mix(state));
        }
        for (state += P1; i < end; i++) {
            memory.set(ValueLayout.JAVA_BYTE, i, (byte) mix(state + i));
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
