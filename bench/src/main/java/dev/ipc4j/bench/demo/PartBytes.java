package dev.ipc4j.bench.demo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The pseudo-random bytes the copied baseline's parts are filled with (a SplitMix64 stream per part), so that a part
 * that arrived shifted or mixed with another fails its hash. The hash itself is the samples' {@code PartHash} (XXH64),
 * the same the zero-copy rows check.
 */
public final class PartBytes {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long P1 = 0x9E3779B97F4A7C15L; // SplitMix64's increment, the golden ratio

    private PartBytes() {}

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
