package dev.ipc4j.transport;

import dev.ipc4j.NativeHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A received message, seen in place (in the ring, or in the socket pipe's receive buffer) for the duration of one
 * {@link BlobHandler#onBlob} call. A pipe reuses one view for every message, so receiving allocates nothing; use
 * {@link #toArray()} to keep the bytes.
 */
public final class BlobView {
    private MemorySegment buffer;
    private long offset;
    private int length;
    private List<NativeHandle> handles = List.of();

    BlobView() {}

    void wrap(MemorySegment buffer, long offset, int length, List<NativeHandle> handles) {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.handles = handles;
    }

    /** The memory holding the message (more than the message: read from {@link #offset()}). */
    public MemorySegment buffer() {
        return buffer;
    }

    /** Where in {@link #buffer()} the message starts. */
    public long offset() {
        return offset;
    }

    /** The message's length in bytes. */
    public int length() {
        return length;
    }

    /** The message bytes as their own segment (a slice: allocates a small object). */
    public MemorySegment segment() {
        return buffer.asSlice(offset, length);
    }

    /** A copy of the message bytes. */
    public byte[] toArray() {
        byte[] out = new byte[length];
        MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, out, 0, length);
        return out;
    }

    /**
     * Descriptors that arrived with this message (handle pipes only). They belong to the handler from now on: close
     * them, or keep them and close them later.
     */
    public List<NativeHandle> handles() {
        return handles;
    }
}
