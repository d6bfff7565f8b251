package dev.ipc4j.grpc;

import io.grpc.KnownLength;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * An input stream over a segment, read in place, its length known (as protobuf's marshaller wants it): the one way this
 * module hands bytes in memory to a marshaller or a transport ({@link Payloads.SegmentInput}, {@link FlatBuffer}'s).
 * Not thread-safe, as streams are.
 */
class SegmentStream extends InputStream implements KnownLength {
    private final MemorySegment from;
    private long position;

    SegmentStream(MemorySegment from) {
        this.from = from;
    }

    /** How far it has been read. */
    final long position() {
        return position;
    }

    @Override
    public final int read() {
        return position < from.byteSize() ? from.get(ValueLayout.JAVA_BYTE, position++) & 0xff : -1;
    }

    @Override
    public final int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        long left = from.byteSize() - position;
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        MemorySegment.copy(from, ValueLayout.JAVA_BYTE, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public final long skip(long n) {
        long k = Math.max(0, Math.min(n, from.byteSize() - position));
        position += k;
        return k;
    }

    @Override
    public final int available() {
        return (int) Math.min(Integer.MAX_VALUE, from.byteSize() - position);
    }
}
