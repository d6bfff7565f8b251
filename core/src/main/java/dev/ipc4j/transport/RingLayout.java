package dev.ipc4j.transport;

/**
 * Where everything lives in a ring pipe's shared segment (ring layout version 3, spoken with transport protocol
 * version 3; docs/wire-format.md).
 *
 * <pre>
 * Segment (one memfd, size = DATA_START + 2 * capacity):
 *   0x0000 +--------------------------------------------------+
 *          | header: MAGIC u64 | VERSION u32 | pad u32          |
 *          |         CAPACITY u64 (bytes per ring, power of 2)  |
 *   0x0400 +--------------------------------------------------+
 *          | control of ring 0 (creator -> acceptor)  1 KiB    |
 *   0x0800 +--------------------------------------------------+
 *          | control of ring 1 (acceptor -> creator)  1 KiB    |
 *   0x1000 +--------------------------------------------------+
 *          | data of ring 0 (capacity bytes)                   |
 *          +--------------------------------------------------+
 *          | data of ring 1 (capacity bytes)                   |
 *          +--------------------------------------------------+
 *
 * Ring control (each hot field on its own 128-byte line: no false sharing, even with adjacent-line prefetch):
 *   +0    TAIL              i64  bytes ever committed (producer; release, after each commit): the producer's own
 *                                record of its position (sentPosition, diagnostics); the consumer finds records by
 *                                their header words, never by TAIL
 *   +128  HEAD              i64  bytes ever consumed (consumer; release, once per poll)
 *   +256  CONSUMER_PARKED   i32  1 while the consumer sleeps or is about to: the producer then rings its doorbell
 *                                (an eventfd passed with the segment; version 1 used this word as a futex)
 *   +384  PRODUCER_PARKED   i32  futex word: 1 while the producer waits for room
 *   +512  PRODUCER_ENDED    i32  1 once the producer ended sending (after its last TAIL)
 *   +516  CONSUMER_CLOSED   i32  1 once the consumer will read no more
 *   +520  CONSUMER_MAY_PARK i32  1 when the consumer's wait strategy may sleep (the producer must then wake it)
 *   +524  PRODUCER_MAY_PARK i32  1 when the producer's wait strategy may sleep
 *
 * Record in the data area (8-byte aligned; position modulo capacity):
 *   +0 HEADER u64: bits 0-31 LENGTH i32 (payload bytes, >= 0), bits 32-63 TYPE i32 (1..5)
 *      (host byte order: both ends share the host; on x86-64 and AArch64 LENGTH is at +0, TYPE at +4)
 *   +8 payload | padding to a multiple of 8
 *   The HEADER word is the commit: 0 until the record is complete, then stored once, last, with release semantics.
 *   When it claims a record, before the payload, the producer clears the HEADER word of the next record (so the
 *   consumer, having read this one, finds 0 there until that one commits); it keeps NEXT_HEADER_RESERVE bytes free
 *   for it, so it never clears a word the consumer has not handed back.
 *   A record never wraps: when it does not fit before the end, a PADDING record fills the rest.
 * </pre>
 */
final class RingLayout {
    static final long MAGIC = 0x3167_6e69_726a_6370L; // "pcjring1" little-endian
    /**
     * 3: each record commits through its own header word, HEAD is published once per poll. (2: consumers sleep on
     * eventfd doorbells, pollable with sockets, not on the CONSUMER_PARKED futex, and records were committed by TAIL.)
     */
    static final int VERSION = 3;

    static final long HEADER_MAGIC = 0;
    static final long HEADER_VERSION = 8;
    static final long HEADER_CAPACITY = 16;

    static final long CONTROL_0 = 0x400;
    static final long CONTROL_SIZE = 0x400;
    static final long DATA_START = 0x1000;

    static final long TAIL = 0;
    static final long HEAD = 128;
    static final long CONSUMER_PARKED = 256;
    static final long PRODUCER_PARKED = 384;
    static final long PRODUCER_ENDED = 512;
    static final long CONSUMER_CLOSED = 516;
    static final long CONSUMER_MAY_PARK = 520;
    static final long PRODUCER_MAY_PARK = 524;

    static final int RECORD_HEADER = 8;
    /** Free bytes the producer keeps beyond each record it claims: the next record's header word, cleared at claim. */
    static final int NEXT_HEADER_RESERVE = 8;
    static final int TYPE_DATA = 1;
    static final int TYPE_PADDING = 2;
    static final int TYPE_BEGIN = 3;
    static final int TYPE_MIDDLE = 4;
    static final int TYPE_END = 5;

    static final long MIN_CAPACITY = 4096;
    static final long MAX_CAPACITY = 1L << 30;

    private RingLayout() {}

    static long segmentSize(long capacity) {
        return DATA_START + 2 * capacity;
    }

    static long control(int ring) {
        return CONTROL_0 + ring * CONTROL_SIZE;
    }

    static long data(int ring, long capacity) {
        return DATA_START + ring * capacity;
    }

    /** The header word of a committed record: never 0, since every type is at least 1. */
    static long headerWord(int length, int type) {
        return (length & 0xFFFF_FFFFL) | ((long) type << 32);
    }

    static int length(long headerWord) {
        return (int) headerWord;
    }

    static int type(long headerWord) {
        return (int) (headerWord >>> 32);
    }

    static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
