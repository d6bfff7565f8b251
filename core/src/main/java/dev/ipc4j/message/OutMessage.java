package dev.ipc4j.message;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.shm.ShmBlock;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A message to send, written once where it will be read: in a block of the session's shared memory (sent as a handle
 * on a ring channel), or, without shared memory or for small messages, in a native buffer with room for the frame
 * header in front (sent inline, copied once by the pipe). Get one from {@link MessageChannel#newMessage}, or
 * {@link #adopt} a block a codec built in place.
 *
 * <p>An {@code OutMessage} may be sent any number of times, on any channels of its session, without copying; close it
 * when done (with try-with-resources). Its memory lives on after {@link #close()} for as long as a receiver's lease
 * holds it. Sends are thread-safe; writing the payload while it is being sent is not.
 */
public final class OutMessage implements AutoCloseable {
    private final ShmBlock block;      // the shared-memory case, else null
    private final Arena arena;         // the native-buffer case above InlineBuffers.LARGEST, else null
    private final MemorySegment pooled; // the native-buffer case up to InlineBuffers.LARGEST, else null
    private final MemorySegment frame; // native case: header room + payload area
    private MemorySegment sentFrame;   // native case: frame's view as last sent (guarded by this)
    private final MemorySegment area;  // where the payload is written
    private final long offset;         // the payload's offset in the block (0 in the native case)
    private final int type;
    private volatile long length;
    private volatile List<NativeHandle> handles = List.of();
    private final AtomicBoolean closed = new AtomicBoolean();

    private OutMessage(ShmBlock block, Arena arena, MemorySegment frame, MemorySegment area, long offset, long length, int type) {
        this(block, arena, null, frame, area, offset, length, type);
    }

    private OutMessage(ShmBlock block, Arena arena, MemorySegment pooled, MemorySegment frame, MemorySegment area,
            long offset, long length, int type) {
        this.block = block;
        this.arena = arena;
        this.pooled = pooled;
        this.frame = frame;
        this.area = area;
        this.offset = offset;
        this.length = length;
        this.type = type;
    }

    /**
     * Takes over a block whose bytes {@code [offset, offset + length)} are the payload (a FlatBuffer is built back to
     * front, so it ends the block rather than starting it). The block is closed with this message.
     */
    public static OutMessage adopt(ShmBlock block, long offset, long length, int type) {
        Objects.requireNonNull(block, "block");
        if (!Wire.within(offset, length, block.memory().byteSize())) {
            throw new IndexOutOfBoundsException("payload [" + offset + ", +" + length + ") outside a block of "
                    + block.memory().byteSize() + " bytes");
        }
        return new OutMessage(block, null, null, block.memory().asSlice(offset, length), offset, length, type);
    }

    /** A message in a block of shared memory, its payload as long as the block. */
    static OutMessage inBlock(ShmBlock block, long capacity, int type) {
        return new OutMessage(block, null, null, block.memory().asSlice(0, capacity), 0, capacity, type);
    }

    /** A message in native memory of this process, sent inline. */
    static OutMessage inline(long capacity, int type) {
        long bytes = Wire.HEADER + capacity;
        if (InlineBuffers.pooled(bytes)) {
            MemorySegment buffer = InlineBuffers.take(bytes);
            MemorySegment frame = buffer.asSlice(0, bytes);
            return new OutMessage(null, null, buffer, frame, frame.asSlice(Wire.HEADER, capacity), 0, capacity, type);
        }
        Arena arena = Arena.ofShared(); // large and rare: an arena of its own is freed at close, not by the GC
        MemorySegment frame = arena.allocate(bytes, 16);
        return new OutMessage(null, arena, frame, frame.asSlice(Wire.HEADER, capacity), 0, capacity, type);
    }

    /**
     * Where to write the payload: {@link #capacity()} bytes. Valid until {@link #close()}: don't keep the segment past
     * it (a small inline message's buffer is reused by a later message of this process).
     */
    public MemorySegment payload() {
        ensureOpen();
        return area;
    }

    /** How many bytes {@link #payload()} has room for. */
    public long capacity() {
        return area.byteSize();
    }

    /** Declares the first {@code length} bytes of {@link #payload()} the message (it starts as the whole capacity). */
    public OutMessage commit(long length) {
        Objects.checkFromIndexSize(0, length, capacity());
        this.length = length;
        return this;
    }

    /** The payload's length as sent. */
    public long length() {
        return length;
    }

    /** The routing type the header carries. */
    public int type() {
        return type;
    }

    /**
     * Descriptors to send with the message (with every send of it). The caller keeps its own: the receiver gets
     * duplicates, and the caller closes these when it no longer sends the message.
     */
    public OutMessage attach(NativeHandle... handles) {
        if (handles.length > Wire.MAX_FDS) {
            throw new IllegalArgumentException("at most " + Wire.MAX_FDS + " descriptors per message");
        }
        this.handles = List.of(handles);
        return this;
    }

    List<NativeHandle> handles() {
        return handles;
    }

    /** Whether the payload is in shared memory, so a ring channel sends only its handle. */
    public boolean isShared() {
        return block != null;
    }

    ShmBlock block() {
        return block;
    }

    long offset() {
        return offset;
    }

    /** The native case: header room followed by the payload area, for sending inline without a copy. */
    MemorySegment frame() {
        return frame;
    }

    /**
     * The native case's frame as sent: header room and the first {@code length} payload bytes. The view of the last
     * length is kept, so re-sending a message (or sending one of the same length again) makes no new segment object.
     * Called under this message's lock (the header room is shared by every send of it).
     */
    MemorySegment frameFor(long length) {
        MemorySegment f = sentFrame;
        if (f == null || f.byteSize() != Wire.HEADER + length) {
            sentFrame = f = frame.asSlice(0, Wire.HEADER + length);
        }
        return f;
    }

    void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the message is closed");
        }
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /** Releases this side's hold on the memory; idempotent. Receivers' leases keep a shared block alive. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (block != null) {
            block.close();
        } else if (pooled != null) {
            InlineBuffers.give(pooled);
        } else {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "OutMessage[type " + type + ", " + length + " bytes" + (block != null ? ", shared" : ", inline")
                + (closed.get() ? ", closed]" : "]");
    }
}
