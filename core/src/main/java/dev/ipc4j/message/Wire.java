package dev.ipc4j.message;

import dev.ipc4j.session.SessionHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The message protocol's frames, all little-endian, in one place (documented in docs/wire-format.md, "Message
 * protocol").
 *
 * <p>Each message is one blob on the channel's {@code blobs()} pipe (the ring when the channel has one):
 *
 * <pre>
 *  0       4     5      6        8            16               24     28         32               40               48
 *  +-------+-----+------+--------+------------+----------------+------+----------+----------------+----------------+
 *  | MAGIC | VER | KIND | FLAGS  | ID (u64)   | IN_RESPONSE_TO | TYPE | FD_COUNT | PAYLOAD_OFFSET | PAYLOAD_LENGTH |
 *  | u32   | u8  | u8   | u16    |            | (u64, 0: none) | i32  | u32      | (u64)          | (u64)          |
 *  +-------+-----+------+--------+------------+----------------+------+----------+----------------+----------------+
 *  48: the body
 *      FLAGS without SHM: PAYLOAD_LENGTH payload bytes (PAYLOAD_OFFSET is 0); blob length = 48 + PAYLOAD_LENGTH
 *      FLAGS with SHM:    a SessionHandle (40 bytes) naming a lent block; the payload is bytes
 *                         [PAYLOAD_OFFSET, PAYLOAD_OFFSET + PAYLOAD_LENGTH) of that block; blob length = 88
 * </pre>
 *
 * <p>With {@link #HAS_FDS} the message carries FD_COUNT (1..{@value #MAX_FDS}) descriptors: on a socket-only channel
 * attached to the message's own frame; on a ring channel in a separate frame sent just before it on the channel's
 * socket:
 *
 * <pre>
 *  0          4           8                16
 *  +----------+-----------+----------------+
 *  | FD_MAGIC | FD_COUNT  | ID (u64)       |   + FD_COUNT descriptors (SCM_RIGHTS)
 *  +----------+-----------+----------------+
 * </pre>
 *
 * <p>Every field is checked by {@link #readHeader} and {@link MessageReader} against the blob and the lease before any
 * payload byte is touched.
 */
final class Wire {
    static final int MAGIC = 0x4d43_5049; // "IPCM" read as little-endian bytes
    /** 2: calls (CALL_* kinds, the PEER_CALL flag). A version-1 frame is refused with a message naming both. */
    static final int VERSION = 2;

    static final int MAGIC_AT = 0;
    static final int VERSION_AT = 4;
    static final int KIND_AT = 5;
    static final int FLAGS_AT = 6;
    static final int ID_AT = 8;
    static final int IN_RESPONSE_TO_AT = 16;
    static final int TYPE_AT = 24;
    static final int FD_COUNT_AT = 28;
    static final int PAYLOAD_OFFSET_AT = 32;
    static final int PAYLOAD_LENGTH_AT = 40;
    static final int HEADER = 48;
    static final int SHM_FRAME = HEADER + SessionHandle.BYTES;

    /** The payload is in a lent block named by the body's SessionHandle (else it is the body itself). */
    static final int SHM = 1;
    /** Descriptors come with the message. */
    static final int HAS_FDS = 2;
    /** A call frame about a call the frame's receiver opened (else one its sender opened). */
    static final int PEER_CALL = 4;
    static final int KNOWN_FLAGS = SHM | HAS_FDS | PEER_CALL;

    static final int FD_MAGIC = 0x4443_5049; // "IPCD"
    static final int FD_FRAME = 16;
    static final int FD_MAGIC_AT = 0;
    static final int FD_COUNT_IN_FD_FRAME_AT = 4;
    static final int FD_ID_AT = 8;
    /** As many as one socket frame carries (the transport's limit, UnixSocket.MAX_FDS). */
    static final int MAX_FDS = 64;

    /** The bytes of an UNEXPECTED_RESPONSE body: the request id the unexpected response named. */
    static final int UNEXPECTED_BODY = 8;
    /** The bytes of a CALL_CREDIT body: how many more messages the sender may send (1 .. 2^31-1). */
    static final int CREDIT_BODY = 8;
    /** The bytes of a CALL_CANCEL body: the status code why. */
    static final int CANCEL_BODY = 4;
    /** The largest CALL_OPEN, CALL_CLOSE or CALL_HEADERS body (options or status with headers or trailers). */
    static final int MAX_CALL_BODY = 64 * 1024;

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private Wire() {}

    /**
     * A header as read and checked (checks against the lease come later): a holder that {@link #read} overwrites with
     * each frame, so that the one reader of a channel reads every frame into the same object and allocates nothing for
     * it. After a {@code read} that threw, its fields are those of the last good frame.
     */
    static final class Header {
        private Kind kind;
        private int flags;
        private long id;
        private long inResponseTo;
        private int type;
        private int fdCount;
        private long payloadOffset;
        private long payloadLength;

        Kind kind() {
            return kind;
        }

        int flags() {
            return flags;
        }

        long id() {
            return id;
        }

        long inResponseTo() {
            return inResponseTo;
        }

        int type() {
            return type;
        }

        int fdCount() {
            return fdCount;
        }

        long payloadOffset() {
            return payloadOffset;
        }

        long payloadLength() {
            return payloadLength;
        }

        boolean shm() {
            return (flags & SHM) != 0;
        }

        boolean hasFds() {
            return (flags & HAS_FDS) != 0;
        }

        /**
         * Reads and checks the header of {@code blob}, the frame it came in: every field in range, the body exactly as
         * long as the flags say. Offsets into a lent block are checked later, against the handle and the lease.
         */
        Header read(MemorySegment blob) throws MalformedMessageException {
            long size = blob.byteSize();
            if (size < HEADER) {
                throw new MalformedMessageException("a message frame of " + size + " bytes is shorter than its " + HEADER + "-byte header");
            }
            int magic = blob.get(INT, MAGIC_AT);
            if (magic != MAGIC) {
                throw new MalformedMessageException("not a message frame: magic 0x" + Integer.toHexString(magic));
            }
            int version = blob.get(ValueLayout.JAVA_BYTE, VERSION_AT) & 0xff;
            if (version != VERSION) {
                throw new MalformedMessageException("message protocol version " + version + "; this side speaks " + VERSION
                        + (version == 1 ? " (version 1 had no calls: the peer runs an older ipc4j)" : ""));
            }
            int code = blob.get(ValueLayout.JAVA_BYTE, KIND_AT) & 0xff;
            Kind kind = Kind.of(code);
            if (kind == null) {
                throw new MalformedMessageException("unknown message kind " + code);
            }
            int flags = blob.get(ValueLayout.JAVA_SHORT_UNALIGNED, FLAGS_AT) & 0xffff;
            long id = blob.get(LONG, ID_AT);
            long inResponseTo = blob.get(LONG, IN_RESPONSE_TO_AT);
            int type = blob.get(INT, TYPE_AT);
            int fdCount = blob.get(INT, FD_COUNT_AT);
            long offset = blob.get(LONG, PAYLOAD_OFFSET_AT);
            long length = blob.get(LONG, PAYLOAD_LENGTH_AT);
            if ((flags & ~KNOWN_FLAGS) != 0) {
                throw new MalformedMessageException(what(kind, id) + ": unknown flags 0x" + Integer.toHexString(flags));
            }
            if ((flags & PEER_CALL) != 0 && !kind.ofCall()) {
                throw new MalformedMessageException(what(kind, id) + ": PEER_CALL on a frame that belongs to no call");
            }
            if (kind.control() && (flags & (SHM | HAS_FDS)) != 0) {
                throw new MalformedMessageException(what(kind, id) + ": its body is inline bytes without descriptors, flags 0x"
                        + Integer.toHexString(flags));
            }
            if (id == 0) {
                throw new MalformedMessageException(what(kind, id) + ": message id 0 is reserved");
            }
            if (kind.answers() != (inResponseTo != 0)) {
                throw new MalformedMessageException(what(kind, id) + (kind.answers() ? " must" : " must not") + " answer a message (in-response-to "
                        + Long.toUnsignedString(inResponseTo) + ")");
            }
            boolean hasFds = (flags & HAS_FDS) != 0;
            if (hasFds ? fdCount < 1 || fdCount > MAX_FDS : fdCount != 0) {
                throw new MalformedMessageException(what(kind, id) + ": descriptor count " + fdCount + (hasFds ? " out of range" : " without HAS_FDS"));
            }
            if (offset < 0 || length < 0) {
                throw new MalformedMessageException(what(kind, id) + ": negative payload offset " + offset + " or length " + length);
            }
            if (!kind.payload && ((flags & ~PEER_CALL) != 0 || offset != 0 || length != 0 || size != HEADER)) {
                throw new MalformedMessageException(what(kind, id) + " carries no payload, but flags 0x" + Integer.toHexString(flags)
                        + ", offset " + offset + ", length " + length + ", frame " + size + " bytes");
            }
            if (kind == Kind.UNEXPECTED_RESPONSE && (flags != 0 || length != UNEXPECTED_BODY)) {
                throw new MalformedMessageException(what(kind, id) + ": its body is " + UNEXPECTED_BODY + " inline bytes, not " + length);
            }
            if (kind == Kind.CALL_CANCEL && length != CANCEL_BODY) {
                throw new MalformedMessageException(what(kind, id) + ": its body is " + CANCEL_BODY + " inline bytes, not " + length);
            }
            if (kind == Kind.CALL_CREDIT && length != CREDIT_BODY) {
                throw new MalformedMessageException(what(kind, id) + ": its body is " + CREDIT_BODY + " inline bytes, not " + length);
            }
            if ((kind == Kind.CALL_OPEN || kind == Kind.CALL_CLOSE || kind == Kind.CALL_HEADERS) && length > MAX_CALL_BODY) {
                throw new MalformedMessageException(what(kind, id) + ": a body of " + length + " bytes (at most " + MAX_CALL_BODY + ")");
            }
            if ((flags & SHM) != 0) {
                if (size != SHM_FRAME) {
                    throw new MalformedMessageException(what(kind, id) + ": a shared-memory frame is " + SHM_FRAME + " bytes, not " + size);
                }
            } else {
                if (offset != 0) {
                    throw new MalformedMessageException(what(kind, id) + ": inline payload at offset " + offset + " (must be 0)");
                }
                if (length != size - HEADER) {
                    throw new MalformedMessageException(what(kind, id) + ": payload length " + length + " but " + (size - HEADER)
                            + " bytes follow the header");
                }
            }
            this.kind = kind;
            this.flags = flags;
            this.id = id;
            this.inResponseTo = inResponseTo;
            this.type = type;
            this.fdCount = fdCount;
            this.payloadOffset = offset;
            this.payloadLength = length;
            return this;
        }

        @Override
        public String toString() {
            return "Header[" + kind + " " + Long.toUnsignedString(id) + ", flags 0x" + Integer.toHexString(flags)
                    + ", answers " + Long.toUnsignedString(inResponseTo) + ", type " + type + ", " + fdCount + " fds, payload ["
                    + payloadOffset + ", +" + payloadLength + ")]";
        }
    }

    static void writeHeader(MemorySegment to, Kind kind, int flags, long id, long inResponseTo, int type, int fdCount,
            long payloadOffset, long payloadLength) {
        to.set(INT, MAGIC_AT, MAGIC);
        to.set(ValueLayout.JAVA_BYTE, VERSION_AT, (byte) VERSION);
        to.set(ValueLayout.JAVA_BYTE, KIND_AT, (byte) kind.code);
        to.set(ValueLayout.JAVA_SHORT_UNALIGNED, FLAGS_AT, (short) flags);
        to.set(LONG, ID_AT, id);
        to.set(LONG, IN_RESPONSE_TO_AT, inResponseTo);
        to.set(INT, TYPE_AT, type);
        to.set(INT, FD_COUNT_AT, fdCount);
        to.set(LONG, PAYLOAD_OFFSET_AT, payloadOffset);
        to.set(LONG, PAYLOAD_LENGTH_AT, payloadLength);
    }

    /** Reads and checks a header into a new holder (for tests and tools; the reader reuses one, {@link Header#read}). */
    static Header readHeader(MemorySegment blob) throws MalformedMessageException {
        return new Header().read(blob);
    }

    /** How an error names a frame: built only when there is an error (a string per frame would be garbage per message). */
    private static String what(Kind kind, long id) {
        return kind + " " + Long.toUnsignedString(id);
    }

    /** Whether [offset, offset + length) lies within {@code size} bytes, without overflow. */
    static boolean within(long offset, long length, long size) {
        return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
    }

    static void writeFdFrame(MemorySegment to, int count, long id) {
        to.set(INT, FD_MAGIC_AT, FD_MAGIC);
        to.set(INT, FD_COUNT_IN_FD_FRAME_AT, count);
        to.set(LONG, FD_ID_AT, id);
    }

    static int fdCount(MemorySegment frame) {
        return frame.get(INT, FD_COUNT_IN_FD_FRAME_AT);
    }

    static boolean isFdFrame(MemorySegment frame) {
        return frame.byteSize() == FD_FRAME && frame.get(INT, FD_MAGIC_AT) == FD_MAGIC;
    }

    static long fdFrameId(MemorySegment frame) {
        return frame.get(LONG, FD_ID_AT);
    }

    static long readLong(MemorySegment from, long at) {
        return from.get(LONG, at);
    }

    static void writeLong(MemorySegment to, long at, long value) {
        to.set(LONG, at, value);
    }
}
