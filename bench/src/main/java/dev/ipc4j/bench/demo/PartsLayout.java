package dev.ipc4j.bench.demo;

import dev.ipc4j.samples.flatbuffers.PartHash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The demo's response message, raw (no serialization library): a header, a table with one entry per part, then the
 * parts' bytes, all in one block. The whole message is exactly the payload size; parts are {@link #PART_BYTES} long
 * except the last, which takes what is left.
 *
 * <pre>
 * little-endian; offsets from the start of the message
 *  0        8         12           16              24            32                 64
 *  +--------+---------+------------+---------------+-------------+------------------+
 *  | MAGIC  | VERSION | PART_COUNT | MESSAGE_BYTES | DATA_OFFSET | reserved (0)     |
 *  | u64    | u32 = 1 | u32        | u64           | u64         |                  |
 *  +--------+---------+------------+---------------+-------------+------------------+
 *  64: table, PART_COUNT entries of 24 bytes:  | offset u64 | size u64 | hash u64 (XXH64) |
 *  DATA_OFFSET (table end rounded up to 64): part 0, part 1, ... back to back
 * </pre>
 *
 * <p>The header and the table are the message's <em>root</em>: what a receiver reads in place to know where every part
 * is. Everything read back is data, not truth: {@link #readRoot} and {@link #verify} check every field against the
 * message's real length before using it.
 */
public final class PartsLayout {
    /** Bytes per part (the last may be shorter), as in Flow-IPC's demo. */
    public static final int PART_BYTES = 16 * 1024;
    public static final long MAGIC_VALUE = 0x314F4D4544346370L; // "pc4DEMO1" little-endian
    public static final int VERSION_VALUE = 1;
    static final long MAGIC = 0;
    static final long VERSION = 8;
    static final long PART_COUNT = 12;
    static final long MESSAGE_BYTES = 16;
    static final long DATA_OFFSET = 24;
    static final long TABLE = 64;
    static final int ENTRY_BYTES = 24;

    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private PartsLayout() {}

    /** How many parts a message of {@code messageBytes} holds. */
    public static int partCount(long messageBytes) {
        if (messageBytes < DemoOptions.MIN_SIZE) {
            throw new IllegalArgumentException("a message needs at least " + DemoOptions.MIN_SIZE + " bytes: " + messageBytes);
        }
        // The table's size depends on the count and the count on the room the table leaves: iterate to the fixed point.
        long count = 1;
        for (int round = 0; round < 8; round++) {
            long next = Math.ceilDiv(messageBytes - dataOffset(count), PART_BYTES);
            if (next == count) {
                break;
            }
            count = next;
        }
        while (dataOffset(count) + (count - 1) * PART_BYTES >= messageBytes) {
            count--; // the table grew past the last part's first byte: one part fewer
        }
        if (dataOffset(count) + count * PART_BYTES < messageBytes) {
            throw new IllegalStateException("no part count fits a message of " + messageBytes + " bytes");
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("message too large: " + messageBytes);
        }
        return (int) count;
    }

    /** Where part 0 starts in a message of {@code parts} parts. */
    public static long dataOffset(long parts) {
        return (TABLE + parts * ENTRY_BYTES + 63) & -64L;
    }

    /**
     * Writes a whole message into {@code message} (its length is the message size): header, parts filled from
     * {@code seed}, and the table with each part's hash. Every byte is written, which also faults every page in.
     */
    public static void build(MemorySegment message, long seed) {
        long bytes = message.byteSize();
        int parts = partCount(bytes);
        long data = dataOffset(parts);
        message.asSlice(0, data).fill((byte) 0);
        for (int i = 0; i < parts; i++) {
            long offset = data + (long) i * PART_BYTES;
            long size = Math.min(PART_BYTES, bytes - offset);
            PartBytes.fill(message, offset, size, seed * 0x100000001B3L + i);
            long entry = TABLE + (long) i * ENTRY_BYTES;
            message.set(LONG, entry, offset);
            message.set(LONG, entry + 8, size);
            message.set(LONG, entry + 16, PartHash.of(message.asSlice(offset, size)));
        }
        message.set(LONG, MESSAGE_BYTES, bytes);
        message.set(LONG, DATA_OFFSET, data);
        message.set(INT, VERSION, VERSION_VALUE);
        message.set(INT, PART_COUNT, parts);
        message.set(LONG, MAGIC, MAGIC_VALUE);
    }

    /** Test hook: flips one byte in the middle of part {@code part}, after its hash was taken. */
    public static void corrupt(MemorySegment message, int part) {
        int parts = message.get(INT, PART_COUNT);
        if (part >= parts) {
            throw new IllegalArgumentException("part " + part + " of a message with " + parts + " parts");
        }
        long entry = TABLE + (long) part * ENTRY_BYTES;
        long at = message.get(LONG, entry) + message.get(LONG, entry + 8) / 2;
        message.set(ValueLayout.JAVA_BYTE, at, (byte) ~message.get(ValueLayout.JAVA_BYTE, at));
    }

    /**
     * Reads the root in place: checks the header against the message's length and returns the part count. This is all a
     * receiver needs before it can reach any part; it touches the header only, never the parts.
     */
    public static int readRoot(MemorySegment message) throws CorruptMessageException {
        long bytes = message.byteSize();
        if (bytes < TABLE || message.get(LONG, MAGIC) != MAGIC_VALUE || message.get(INT, VERSION) != VERSION_VALUE) {
            throw new CorruptMessageException("not a demo message of version " + VERSION_VALUE);
        }
        int parts = message.get(INT, PART_COUNT);
        if (parts <= 0 || message.get(LONG, MESSAGE_BYTES) != bytes || dataOffset(parts) > bytes
                || message.get(LONG, DATA_OFFSET) != dataOffset(parts)) {
            throw new CorruptMessageException("header does not fit a message of " + bytes + " bytes (" + parts + " parts)");
        }
        return parts;
    }

    /** Checks every part against its table entry and hash; throws naming the first part that differs. */
    public static void verify(MemorySegment message) throws CorruptMessageException {
        int parts = readRoot(message);
        long bytes = message.byteSize();
        long expectedOffset = message.get(LONG, DATA_OFFSET);
        for (int i = 0; i < parts; i++) {
            long entry = TABLE + (long) i * ENTRY_BYTES;
            long offset = message.get(LONG, entry);
            long size = message.get(LONG, entry + 8);
            if (offset != expectedOffset || size <= 0 || size > PART_BYTES || size > bytes - offset) {
                throw new CorruptMessageException("part " + i + ": table entry (offset " + offset + ", size " + size + ") does not fit");
            }
            if (PartHash.of(message.asSlice(offset, size)) != message.get(LONG, entry + 16)) {
                throw new CorruptMessageException("part " + i + " of " + parts + ": hash mismatch (its bytes changed)");
            }
            expectedOffset = offset + size;
        }
        if (expectedOffset != bytes) {
            throw new CorruptMessageException("parts end at " + expectedOffset + ", the message at " + bytes);
        }
    }
}
