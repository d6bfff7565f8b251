package dev.ipc4j.shm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Names one life of one block in an arena: what crosses between processes instead of the bytes. It is only data:
 * {@link ShmArena#borrow} validates every field before any memory is touched, and the generation makes a handle to a
 * block that was freed (and perhaps reused) stale instead of silently pointing at someone else's bytes.
 *
 * <pre>
 * Serialized: 32 bytes, little-endian, no alignment required
 *  0         4            8                  16                 24                 32
 *  +---------+------------+------------------+------------------+------------------+
 *  | MAGIC   | SEGMENT_ID | OFFSET u64       | LENGTH u64       | GENERATION u64   |
 *  | "I4H1"  | u32        | in the segment   | bytes lent       | entry<<32 | life |
 *  +---------+------------+------------------+------------------+------------------+
 * </pre>
 *
 * @param segmentId the arena segment holding the block
 * @param offset where the block starts in that segment
 * @param length how many bytes were lent (at most the block's capacity)
 * @param generation the block's entry index (high 32 bits) and how many times that entry has been allocated (low 32)
 */
public record ShmHandle(int segmentId, long offset, long length, long generation) {
    /** The serialized size. */
    public static final int BYTES = 32;
    static final int MAGIC_VALUE = 0x31483449; // "I4H1" as little-endian text
    static final long MAGIC = 0;
    static final long SEGMENT_ID = 4;
    static final long OFFSET = 8;
    static final long LENGTH = 16;
    static final long GENERATION = 24;

    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    /** Writes the 32 serialized bytes at {@code at}. */
    public void writeTo(MemorySegment to, long at) {
        write(to, at, segmentId, offset, length, generation);
    }

    static void write(MemorySegment to, long at, int segmentId, long offset, long length, long generation) {
        to.set(INT, at + MAGIC, MAGIC_VALUE);
        to.set(INT, at + SEGMENT_ID, segmentId);
        to.set(LONG, at + OFFSET, offset);
        to.set(LONG, at + LENGTH, length);
        to.set(LONG, at + GENERATION, generation);
    }

    /** Reads a handle written by {@link #writeTo}; bytes without the magic give a {@link InvalidHandleException} (MALFORMED). */
    public static ShmHandle readFrom(MemorySegment from, long at) {
        if (at < 0 || from.byteSize() - at < BYTES) {
            throw InvalidHandleException.malformed("a handle needs " + BYTES + " bytes, " + Math.max(0, from.byteSize() - at) + " given");
        }
        int magic = from.get(INT, at + MAGIC);
        if (magic != MAGIC_VALUE) {
            throw InvalidHandleException.malformed("not a handle: magic 0x" + Integer.toHexString(magic));
        }
        return new ShmHandle(from.get(INT, at + SEGMENT_ID), from.get(LONG, at + OFFSET), from.get(LONG, at + LENGTH),
                from.get(LONG, at + GENERATION));
    }

    /** The handle in its {@link #BYTES}-byte wire form, as {@link #writeTo} writes it. */
    public byte[] toBytes() {
        byte[] bytes = new byte[BYTES];
        writeTo(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Reads what {@link #toBytes()} wrote; anything else gives a {@link InvalidHandleException} (MALFORMED). */
    public static ShmHandle fromBytes(byte[] bytes) {
        return readFrom(MemorySegment.ofArray(bytes), 0);
    }

    int entry() {
        return (int) (generation >>> 32);
    }

    int life() {
        return (int) generation;
    }
}
