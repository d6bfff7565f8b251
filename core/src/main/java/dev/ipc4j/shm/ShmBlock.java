package dev.ipc4j.shm;

import java.lang.foreign.MemorySegment;

/**
 * A block this process allocated in an {@link ShmArena}: write it, {@linkplain ShmArena#lend lend} its handle, then
 * close it. The memory is freed when this block and every {@link Lease} on it, in every process, are closed.
 */
public final class ShmBlock extends HeldBlock {
    ShmBlock(ShmArena arena, int segmentId, long offset, int entry, int life, MemorySegment memory, boolean tracked) {
        super(arena, segmentId, offset, entry, life, memory, tracked);
    }
}
