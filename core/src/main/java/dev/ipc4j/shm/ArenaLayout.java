package dev.ipc4j.shm;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * Every byte of an arena's control object, in one place. All fields are little-endian and naturally aligned, so the
 * VarHandles below may use acquire/release and compare-and-set on them across processes (MAP_SHARED mapping).
 *
 * <pre>
 * Control object "ipc4j.APP.PID.ARENA.ctl" (read-write for every process of the arena)
 *
 *  0                   8         12        16                  24                  32
 *  +-------------------+---------+---------+-------------------+-------------------+
 *  | MAGIC u64         | VERSION | KIND    | SEGMENT_SIZE u64  | QUOTA u64         |
 *  +-------------------+---------+---------+-------------------+-------------------+
 *  32                  40        44        48                  56                  64
 *  | USED u64 (CAS)    | MAX_    | MAX_    | ENTRY_COUNT u64   | BUMP u64 (CAS)    |
 *  | bytes carved      |         |         |                   |                   |
 *  |                   | ENTRIES | SEGMENTS| (getAndAdd)       | seg<<40 | offset  |
 *  +-------------------+---------+---------+-------------------+-------------------+
 *  64                  72                  80                  88        92        96 .. 128
 *  | GROW_LOCK u64     | RECLAIM_LOCK u64  | OWNER u64         | SEGMENT_| MODE    | (zero)
 *  | (ShmLock)         | (ShmLock)         | (identity)        | COUNT   | 0600..  |
 *  +-------------------+-------------------+-------------------+---------+---------+
 *  BUMP is -1 until the first regular segment exists.
 *  128: FREE_HEADS[64]  u64 each: tag << 32 | (entry index + 1), 0 = empty list.
 *       heads 0..62 are size classes (class c holds blocks of 64 << c bytes); head 63 lists SPARE entries
 *       (entries whose huge segment was released, reused for the next huge block)
 *  640: SLOTS[64]       u64 each: packed ProcessIdentity of the process holding slot i, 0 = free
 *  1152: SEGMENTS[MAX_SEGMENTS], 16 bytes each:
 *       +0 state u32 (0 absent, 1 creating, 2 ready, 3 released) | +4 kind u32 (0 regular, 1 huge; bits 8-31: the
 *       slot's incarnation, counted up when a released huge segment's slot is taken again) | +8 size u64
 *  ENTRIES = align64(1152 + 16 * MAX_SEGMENTS): ENTRIES[MAX_ENTRIES], 32 bytes each (one per block ever carved):
 *       +0  HOLDERS u64     bit i set = process slot i holds the block; 0 = free
 *       +8  GENERATION u32  incremented each time the block is allocated
 *       +12 NEXT u32        free-list link: entry index + 1, 0 = end
 *       +16 SEGMENT u32     segment id of the block
 *       +20 CLASS u32       size class, or HUGE (the block is its whole segment)
 *       +24 OFFSET u64      offset of the block in its segment
 * </pre>
 *
 * Data segments "ipc4j.APP.PID.ARENA.N" hold nothing but block bytes: no header a peer could corrupt or a reader
 * would have to trust. Small blocks are aligned to their size, blocks of a page or more to pages.
 */
final class ArenaLayout {
    static final long MAGIC_VALUE = 0x4e52414a34435049L; // "IPC4JARN" read as little-endian text
    /** 2: the segment table's kind word carries the slot's incarnation (huge slots are used again). */
    static final int VERSION_VALUE = 2;

    static final long MAGIC = 0;
    static final long VERSION = 8;
    static final long KIND = 12;
    static final long SEGMENT_SIZE = 16;
    static final long QUOTA = 24;
    static final long USED = 32;
    static final long MAX_ENTRIES = 40;
    static final long MAX_SEGMENTS = 44;
    static final long ENTRY_COUNT = 48;
    static final long BUMP = 56;
    static final long GROW_LOCK = 64;
    static final long RECLAIM_LOCK = 72;
    static final long OWNER = 80;
    static final long SEGMENT_COUNT = 88;
    static final long MODE = 92;
    /** BUMP before the first regular segment exists. */
    static final long NO_SEGMENT = -1L;

    static final long FREE_HEADS = 128;
    static final int HEADS = 64;
    static final int SPARE_HEAD = 63;
    static final long SLOTS = FREE_HEADS + 8L * HEADS;
    static final int MAX_PROCESSES = 64;
    static final long SEGMENTS = SLOTS + 8L * MAX_PROCESSES;
    static final long SEGMENT_ENTRY_SIZE = 16;

    static final long SEG_STATE = 0;
    static final long SEG_KIND = 4;
    static final long SEG_SIZE = 8;
    static final int SEG_ABSENT = 0;
    static final int SEG_CREATING = 1;
    static final int SEG_READY = 2;
    static final int SEG_RELEASED = 3;
    static final int KIND_REGULAR = 0;
    static final int KIND_HUGE = 1;

    static final long ENTRY_SIZE = 32;
    static final long E_HOLDERS = 0;
    static final long E_GENERATION = 8;
    static final long E_NEXT = 12;
    static final long E_SEGMENT = 16;
    static final long E_CLASS = 20;
    static final long E_OFFSET = 24;
    static final int HUGE = 255;

    /** Smallest block: one cache line, so two blocks never share one. */
    static final int MIN_CLASS_SHIFT = 6;
    static final int BUMP_OFFSET_BITS = 40;
    static final long BUMP_OFFSET_MASK = (1L << BUMP_OFFSET_BITS) - 1;

    /** (MemorySegment, long offset) -> long / int, with every access mode. */
    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private ArenaLayout() {}

    static long entries(int maxSegments) {
        return (SEGMENTS + SEGMENT_ENTRY_SIZE * maxSegments + 63) & ~63L;
    }

    static long controlSize(int maxSegments, int maxEntries) {
        long end = entries(maxSegments) + ENTRY_SIZE * maxEntries;
        return (end + SharedSegment.PAGE - 1) & -SharedSegment.PAGE;
    }

    static long segmentEntry(int segmentId) {
        return SEGMENTS + SEGMENT_ENTRY_SIZE * segmentId;
    }
}
