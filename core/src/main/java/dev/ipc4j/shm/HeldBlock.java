package dev.ipc4j.shm;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

/**
 * One hold on a block by this process: what {@link ShmBlock} (the allocator's) and {@link Lease} (a borrower's) share.
 * Closing gives the hold back exactly once; the block is freed when the last hold in any process is given back.
 */
abstract sealed class HeldBlock implements AutoCloseable permits ShmBlock, Lease {
    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(HeldBlock.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ShmArena arena;
    final int segmentId;
    final long offset;
    final int entry;
    final int life;
    private final MemorySegment memory;
    private final LeakDetector.Track track;
    private final Cleaner.Cleanable cleanable;
    @SuppressWarnings("unused") // through CLOSED
    private volatile boolean closed;

    HeldBlock(ShmArena arena, int segmentId, long offset, int entry, int life, MemorySegment memory, boolean tracked) {
        this.arena = arena;
        this.segmentId = segmentId;
        this.offset = offset;
        this.entry = entry;
        this.life = life;
        this.memory = memory;
        if (tracked) {
            track = new LeakDetector.Track(arena, entry, life, getClass().getSimpleName());
            cleanable = LeakDetector.register(this, track);
        } else {
            track = null;
            cleanable = null;
        }
    }

    /** The arena the block belongs to. */
    public ShmArena arena() {
        return arena;
    }

    /**
     * The block's bytes, in place in shared memory; read-only when this process may not write the arena. Valid until
     * {@link #close()}; using it afterwards throws {@link IllegalStateException} or reads a block someone else owns.
     */
    public MemorySegment memory() {
        return memory;
    }

    /** The handle naming this block, to send to another process of the arena. */
    public ShmHandle handle() {
        return new ShmHandle(segmentId, offset, memory.byteSize(), (long) entry << 32 | Integer.toUnsignedLong(life));
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Gives this hold back; idempotent. The block is freed when no process holds it any more. */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        if (track != null) {
            track.closed = true;
            cleanable.clean();
        }
        arena.releaseQuietly(entry, life);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + handle() + (closed ? ", closed]" : "]");
    }
}
