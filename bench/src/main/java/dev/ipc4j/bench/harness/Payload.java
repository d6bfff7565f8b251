package dev.ipc4j.bench.harness;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One preallocated message buffer, reused for every message of a run so the per-message path allocates nothing. It
 * offers the same native memory as a {@link ByteBuffer} (for NIO channels) and as a {@link MemorySegment} (for FFM
 * code such as ipc4j's own pipes); an adapter picks whichever suits it.
 *
 * <p>Content: the first 8 bytes hold the message's sequence number, the rest a pattern derived from it, so a receiver
 * can tell a lost, duplicated, reordered or corrupted message from the right one.
 */
public final class Payload {
    /** Room for the sequence number. */
    public static final int MIN_BYTES = 8;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private final ByteBuffer buffer;
    private final MemorySegment segment;
    private final int length;

    public Payload(int length) {
        if (length < MIN_BYTES) {
            throw new IllegalArgumentException("payload of " + length + " bytes: at least " + MIN_BYTES + " needed for the sequence number");
        }
        this.length = length;
        this.buffer = ByteBuffer.allocateDirect(length).order(ByteOrder.nativeOrder());
        this.segment = MemorySegment.ofBuffer(buffer);
    }

    /** The message size in bytes; every message of a run has exactly this size. */
    public int length() {
        return length;
    }

    /**
     * The message as a direct buffer of capacity {@link #length()}. Position and limit are scratch: an adapter sets them
     * as it needs (e.g. {@code clear()} before a write) and the harness does not rely on them.
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** The same memory as a segment of {@link #length()} bytes. */
    public MemorySegment segment() {
        return segment;
    }

    public long sequence() {
        return segment.get(LONG, 0);
    }

    /** Writes only the sequence number (throughput runs check order, not content). */
    public void sequence(long sequence) {
        segment.set(LONG, 0, sequence);
    }

    /** Writes the sequence number and the pattern derived from it over the whole message. */
    public void fill(long sequence) {
        segment.set(LONG, 0, sequence);
        for (int i = MIN_BYTES; i < length; i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, patternByte(sequence, i));
        }
    }

    /** True when the message is exactly what {@link #fill(long)} wrote for {@code sequence}. */
    public boolean holds(long sequence) {
        if (segment.get(LONG, 0) != sequence) {
            return false;
        }
        for (int i = MIN_BYTES; i < length; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != patternByte(sequence, i)) {
                return false;
            }
        }
        return true;
    }

    private static byte patternByte(long sequence, int index) {
        return (byte) (sequence * 31 + index * 7);
    }
}
