package dev.ipc4j.samples.flatbuffers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * XXH64 (seed 0), the 64-bit xxHash of Yann Collet, over memory in place: the per-part checksum of demo.fbs's
 * {@code Part.hash}, so a reader can check that every byte of a 1 GiB response arrived intact. Chosen because it is
 * fast (4 independent lanes of 64-bit multiply-rotate, several GB/s here) and a published format: another language
 * can check our hashes with any xxHash library. Not cryptographic: it detects corruption, not forgery.
 */
public final class PartHash {
    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private PartHash() {
    }

    /** XXH64 of all of {@code data} with seed 0. */
    public static long of(MemorySegment data) {
        return of(data, 0);
    }

    /** XXH64 of all of {@code data} with {@code seed}. */
    public static long of(MemorySegment data, long seed) {
        long length = data.byteSize();
        long at = 0;
        long h;
        if (length >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            for (long limit = length - 32; at <= limit; at += 32) {
                v1 = round(v1, data.get(LONG, at));
                v2 = round(v2, data.get(LONG, at + 8));
                v3 = round(v3, data.get(LONG, at + 16));
                v4 = round(v4, data.get(LONG, at + 24));
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += length;
        for (; at + 8 <= length; at += 8) {
            h ^= round(0, data.get(LONG, at));
            h = Long.rotateLeft(h, 27) * P1 + P4;
        }
        if (at + 4 <= length) {
            h ^= Integer.toUnsignedLong(data.get(INT, at)) * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            at += 4;
        }
        for (; at < length; at++) {
            h ^= Byte.toUnsignedLong(data.get(ValueLayout.JAVA_BYTE, at)) * P5;
            h = Long.rotateLeft(h, 11) * P1;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long acc, long v) {
        acc ^= round(0, v);
        return acc * P1 + P4;
    }
}
