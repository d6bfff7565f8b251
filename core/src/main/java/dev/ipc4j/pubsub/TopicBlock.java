package dev.ipc4j.pubsub;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A flyweight over a topic's block: written by the publisher only (it lives in the publisher's app arena, which every
 * subscriber maps read-only), read by every subscriber. Layout version 1 (docs/wire-format.md, "Topic block"):
 *
 * <pre>
 *   0  MAGIC u32 "I4TP" | VERSION u16 | FLAGS u16 (bit 0: CLOSED, the publisher closed the topic)
 *   8  EPOCH u64: random per publisher start; a subscriber of another epoch reads nothing of this one
 *  16  CAPACITY u32 (entries, a power of two) | ENTRY_SIZE u32 (48)
 *  64  TAIL u64: the next sequence to publish (release, after the entry)              } one line, written per
 *  72  WAKE u32: futex word, bumped on a publish that found a subscriber asleep        } publish, read by all
 *  76  PUBLISHER_WAITING u32: 1 while the publisher waits for a reliable subscriber (it then wants a wake)
 * 128  SLOT_STATE[64] u32: per subscription slot, GENERATION << 2 | STATE: what the publisher decided about the
 *                            slot's subscription (STATE: ACTIVE, DEMOTED, EVICTED); GENERATION, one more each time
 *                            the slot is given out, tells a subscriber whose slot went to another that it was dropped
 * 384  ENTRY[CAPACITY], ENTRY_SIZE bytes each:
 *        +0  SEQUENCE u64: the sample the entry holds; BUSY (-1) while the publisher rewrites it (a seqlock)
 *        +8  the sample's serialized ShmHandle (32 bytes: MAGIC | SEGMENT_ID | OFFSET | LENGTH | GENERATION)
 *       +40  reserved u64 (0)
 * </pre>
 *
 * <p>Entry protocol (single writer): the writer stores BUSY, then (store-store fence) the handle, then the new
 * SEQUENCE with release. A reader loads SEQUENCE (acquire), copies the handle, fences loads, and loads SEQUENCE again:
 * only when both loads equal the sequence it wants is the copy that sample's handle. The handle's generation then
 * makes a borrow of a block freed and reused since fail (STALE) instead of reading another sample.
 *
 * <p>Everything read here is data, not truth: a subscriber checks the magic, version, capacity and epoch once, and
 * every handle is validated by the arena when borrowed.
 */
final class TopicBlock {
    static final int MAGIC_VALUE = 0x50543449; // "I4TP" as little-endian text
    static final short VERSION_VALUE = 1;
    static final int FLAG_CLOSED = 1;

    static final long MAGIC_OFFSET = 0;
    static final long VERSION_OFFSET = 4;
    static final long FLAGS_OFFSET = 6;
    static final long EPOCH_OFFSET = 8;
    static final long CAPACITY_OFFSET = 16;
    static final long ENTRY_SIZE_OFFSET = 20;
    static final long TAIL_OFFSET = 64;
    static final long WAKE_OFFSET = 72;
    static final long PUBLISHER_WAITING_OFFSET = 76;
    static final long SLOT_STATE_OFFSET = 128;
    static final int MAX_SLOTS = 64;
    static final long ENTRIES_OFFSET = SLOT_STATE_OFFSET + 4L * MAX_SLOTS;

    static final int ENTRY_SIZE = 48;
    static final long ENTRY_SEQUENCE_OFFSET = 0;
    static final long ENTRY_HANDLE_OFFSET = 8;
    static final long ENTRY_RESERVED_OFFSET = 40;
    /** SEQUENCE while the publisher rewrites the entry. */
    static final long BUSY = -1;

    static final int SLOT_ACTIVE = 0;
    static final int SLOT_DEMOTED = 1;
    static final int SLOT_EVICTED = 2;
    static final int SLOT_STATE_MASK = 3;
    static final int SLOT_GENERATION_SHIFT = 2;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();

    private final MemorySegment memory;
    private final int capacity;
    private final long mask;

    private TopicBlock(MemorySegment memory, int capacity) {
        this.memory = memory;
        this.capacity = capacity;
        this.mask = capacity - 1;
    }

    /** The bytes a topic of {@code capacity} entries needs. */
    static long bytesFor(int capacity) {
        return ENTRIES_OFFSET + (long) ENTRY_SIZE * capacity;
    }

    /** Writes a fresh header over {@code memory} (the publisher, before anyone can see the block). */
    static TopicBlock format(MemorySegment memory, int capacity, long epoch) {
        if (Integer.bitCount(capacity) != 1 || memory.byteSize() < bytesFor(capacity)) {
            throw new IllegalArgumentException("capacity " + capacity + " in " + memory.byteSize() + " bytes");
        }
        memory.asSlice(0, bytesFor(capacity)).fill((byte) 0);
        for (int i = 0; i < capacity; i++) {
            memory.set(ValueLayout.JAVA_LONG, ENTRIES_OFFSET + (long) ENTRY_SIZE * i + ENTRY_SEQUENCE_OFFSET, BUSY);
        }
        memory.set(ValueLayout.JAVA_LONG, EPOCH_OFFSET, epoch);
        memory.set(ValueLayout.JAVA_INT, CAPACITY_OFFSET, capacity);
        memory.set(ValueLayout.JAVA_INT, ENTRY_SIZE_OFFSET, ENTRY_SIZE);
        memory.set(ValueLayout.JAVA_SHORT, VERSION_OFFSET, VERSION_VALUE);
        INT.setRelease(memory, MAGIC_OFFSET, MAGIC_VALUE);
        return new TopicBlock(memory, capacity);
    }

    /**
     * Wraps a block a subscriber borrowed, checking what it can: magic, version, entry size, a power-of-two capacity
     * that fits the block, and the epoch the subscription reply named.
     *
     * @throws IllegalArgumentException naming what does not add up
     */
    static TopicBlock wrap(MemorySegment memory, long epoch) {
        if (memory.byteSize() < ENTRIES_OFFSET) {
            throw new IllegalArgumentException("a topic block needs " + ENTRIES_OFFSET + " bytes, this one has " + memory.byteSize());
        }
        int magic = (int) INT.getAcquire(memory, MAGIC_OFFSET);
        short version = (short) SHORT.get(memory, VERSION_OFFSET);
        int capacity = (int) INT.get(memory, CAPACITY_OFFSET);
        int entrySize = (int) INT.get(memory, ENTRY_SIZE_OFFSET);
        long e = (long) LONG.get(memory, EPOCH_OFFSET);
        if (magic != MAGIC_VALUE || version != VERSION_VALUE || entrySize != ENTRY_SIZE) {
            throw new IllegalArgumentException("not a topic block of version " + VERSION_VALUE + ": magic 0x"
                    + Integer.toHexString(magic) + ", version " + version + ", entry size " + entrySize);
        }
        if (capacity <= 0 || Integer.bitCount(capacity) != 1 || memory.byteSize() < bytesFor(capacity)) {
            throw new IllegalArgumentException("a topic block of " + memory.byteSize() + " bytes cannot hold " + capacity + " entries");
        }
        if (e != epoch) {
            throw new IllegalArgumentException("the topic block is of epoch " + Long.toHexString(e) + ", not " + Long.toHexString(epoch));
        }
        return new TopicBlock(memory, capacity);
    }

    int capacity() {
        return capacity;
    }

    MemorySegment memory() {
        return memory;
    }

    long epoch() {
        return memory.get(ValueLayout.JAVA_LONG, EPOCH_OFFSET);
    }

    // ------------------------------------------------------------------------------------------ publisher (writer)

    /** Marks entry {@code sequence}'s slot as being rewritten; the caller then writes the handle. */
    void beginEntry(long sequence) {
        LONG.setOpaque(memory, entryOffset(sequence) + ENTRY_SEQUENCE_OFFSET, BUSY);
        VarHandle.storeStoreFence(); // BUSY is visible before any byte of the new handle
    }

    /** Where entry {@code sequence}'s handle goes: write it with {@code ShmArena.lend(id, length, memory(), at)}. */
    long handleOffset(long sequence) {
        return entryOffset(sequence) + ENTRY_HANDLE_OFFSET;
    }

    /** Completes entry {@code sequence} (its handle written) and publishes it: SEQUENCE, then TAIL, both release. */
    void commitEntry(long sequence) {
        LONG.setRelease(memory, entryOffset(sequence) + ENTRY_SEQUENCE_OFFSET, sequence);
        LONG.setRelease(memory, TAIL_OFFSET, sequence + 1);
    }

    /** Bumps the futex word subscribers sleep on; the caller then wakes them. */
    void bumpWake() {
        INT.getAndAdd(memory, WAKE_OFFSET, 1);
    }

    void publisherWaiting(boolean waiting) {
        INT.setVolatile(memory, PUBLISHER_WAITING_OFFSET, waiting ? 1 : 0);
    }

    /** Sets slot {@code slot}'s word to {@code generation}'s {@code state}. */
    void slotState(int slot, int generation, int state) {
        INT.setVolatile(memory, SLOT_STATE_OFFSET + 4L * slot, generation << SLOT_GENERATION_SHIFT | state);
    }

    void markClosed() {
        SHORT.setVolatile(memory, FLAGS_OFFSET, (short) FLAG_CLOSED);
    }

    // ----------------------------------------------------------------------------------------- subscribers (readers)

    long tailAcquire() {
        return (long) LONG.getAcquire(memory, TAIL_OFFSET);
    }

    long tailVolatile() {
        return (long) LONG.getVolatile(memory, TAIL_OFFSET);
    }

    int wakeAcquire() {
        return (int) INT.getAcquire(memory, WAKE_OFFSET);
    }

    boolean publisherWaitingVolatile() {
        return (int) INT.getVolatile(memory, PUBLISHER_WAITING_OFFSET) != 0;
    }

    /** Slot {@code slot}'s state for the subscription of {@code generation}: EVICTED once the slot went to another. */
    int slotStateAcquire(int slot, int generation) {
        int word = (int) INT.getAcquire(memory, SLOT_STATE_OFFSET + 4L * slot);
        return word >>> SLOT_GENERATION_SHIFT == generation ? word & SLOT_STATE_MASK : SLOT_EVICTED;
    }

    boolean isClosed() {
        return ((short) SHORT.getAcquire(memory, FLAGS_OFFSET) & FLAG_CLOSED) != 0;
    }

    /**
     * The seqlock read of entry {@code sequence}: copies its {@code ShmHandle} into {@code to} at 0 and returns true
     * when the copy is exactly that sample's handle; false when the entry holds another sequence or is being
     * rewritten (the publisher lapped the reader, or has not finished).
     */
    boolean readEntry(long sequence, MemorySegment to) {
        long at = entryOffset(sequence);
        long before = (long) LONG.getAcquire(memory, at + ENTRY_SEQUENCE_OFFSET);
        if (before != sequence) {
            return false;
        }
        MemorySegment.copy(memory, at + ENTRY_HANDLE_OFFSET, to, 0, 32);
        VarHandle.loadLoadFence(); // the copy is complete before SEQUENCE is looked at again
        return (long) LONG.getAcquire(memory, at + ENTRY_SEQUENCE_OFFSET) == sequence;
    }

    /** The sequence entry {@code sequence}'s slot holds now (BUSY while being rewritten). */
    long entrySequenceAcquire(long sequence) {
        return (long) LONG.getAcquire(memory, entryOffset(sequence) + ENTRY_SEQUENCE_OFFSET);
    }

    private long entryOffset(long sequence) {
        return ENTRIES_OFFSET + (long) ENTRY_SIZE * (sequence & mask);
    }
}
