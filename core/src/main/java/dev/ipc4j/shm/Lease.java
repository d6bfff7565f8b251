package dev.ipc4j.shm;

import java.lang.foreign.MemorySegment;

/**
 * A borrowed hold on a block another process (or this one) lent: {@link #memory()} reads it in place. The block lives
 * at least until this lease is closed; close it with try-with-resources. A lease that is garbage-collected unclosed is
 * reported with the place it was borrowed (when tracked, see {@link ShmArena.LeakDetection}) and released.
 */
public final class Lease extends HeldBlock {
    Lease(ShmArena arena, int segmentId, long offset, int entry, int life, MemorySegment memory, boolean tracked) {
        super(arena, segmentId, offset, entry, life, memory, tracked);
    }
}
