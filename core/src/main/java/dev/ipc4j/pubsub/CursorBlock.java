package dev.ipc4j.pubsub;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A flyweight over one subscriber's cursor: a block of the subscriber's own session arena, written by the subscriber
 * only and lent read-only to the publisher, so a subscriber can move nothing but its own cursor. Layout version 1
 * (docs/wire-format.md, "Cursor block"):
 *
 * <pre>
 *   0  NEXT u64: the next sequence the subscriber will read (release, once per poll); its low half is a futex word
 *                the publisher sleeps on while it waits for this (reliable) subscriber
 *  64  SLEEPING u32: non-zero while the subscriber sleeps, or is about to (the Dekker pattern: it stores, fences,
 *                    then checks TAIL; the publisher stores TAIL, fences, then reads this): ON_FUTEX, it waits on the
 *                    topic's WAKE word; ON_CHANNEL, its runner waits on the subscription channel (ring it there)
 *  68  CLOSED u32: 1 once the subscriber will read no more (it leaves; the publisher stops waiting for it)
 * </pre>
 */
final class CursorBlock {
    static final long NEXT_OFFSET = 0;
    static final long SLEEPING_OFFSET = 64;
    static final long CLOSED_OFFSET = 68;
    static final long BYTES = 128;
    static final int AWAKE = 0;
    static final int ON_FUTEX = 1;
    static final int ON_CHANNEL = 2;

    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment memory;

    CursorBlock(MemorySegment memory) {
        if (memory.byteSize() < BYTES) {
            throw new IllegalArgumentException("a cursor block needs " + BYTES + " bytes, this one has " + memory.byteSize());
        }
        this.memory = memory;
    }

    MemorySegment memory() {
        return memory;
    }

    // ------------------------------------------------------------------------------------------- subscriber (writer)

    /** Volatile: the caller's next load (PUBLISHER_WAITING) cannot pass it. */
    void nextVolatile(long next) {
        LONG.setVolatile(memory, NEXT_OFFSET, next);
    }

    /** Announces (or withdraws) a sleep; volatile, so the caller's next load of TAIL cannot pass it. */
    void sleepingVolatile(int how) {
        INT.setVolatile(memory, SLEEPING_OFFSET, how);
    }

    void closedVolatile() {
        INT.setVolatile(memory, CLOSED_OFFSET, 1);
    }

    // ------------------------------------------------------------------------------------------- publisher (reader)

    long nextAcquire() {
        return (long) LONG.getAcquire(memory, NEXT_OFFSET);
    }

    int sleepingAcquire() {
        return (int) INT.getAcquire(memory, SLEEPING_OFFSET);
    }

    boolean closedAcquire() {
        return (int) INT.getAcquire(memory, CLOSED_OFFSET) != 0;
    }
}
