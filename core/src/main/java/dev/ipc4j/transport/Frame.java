package dev.ipc4j.transport;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The socket pipe's frame (wire format version 2; docs/wire-format.md). Little-endian.
 *
 * <pre>
 *   +0 LENGTH   u32  payload bytes that follow the header
 *   +4 TYPE     u8   DATA 1 | PING 2 | END 3 | HELLO 4 | RING 5
 *   +5 FLAGS    u8   0 (reserved; a receiver rejects other values)
 *   +6 FDS      u16  descriptors attached to this frame (they ride on its first byte)
 *   +8 payload
 *
 * HELLO payload (first frame each way, 16 bytes):
 *   +0 MAGIC u32 = 0x4a435049 ("IPCJ") | +4 MIN_VERSION u16 | +6 MAX_VERSION u16 | +8 MAX_MESSAGE u64
 * RING payload (creator to acceptor): empty; no descriptor (socket only) or five: the ring memfd, the acceptor's two
 *   doorbells (eventfds the creator rings when the acceptor's runner, resp. a caller, sleeps on its input), the
 *   creator's two
 * </pre>
 */
final class Frame {
    static final int HEADER = 8;
    static final long LENGTH = 0;
    static final long TYPE = 4;
    static final long FLAGS = 5;
    static final long FDS = 6;

    static final int DATA = 1;
    static final int PING = 2;
    static final int END = 3;
    static final int HELLO = 4;
    static final int RING = 5;

    static final int HELLO_SIZE = 16;
    static final int HELLO_MAGIC = 0x4a43_5049;
    static final long HELLO_MAGIC_AT = 0;
    static final long HELLO_MIN_VERSION = 4;
    static final long HELLO_MAX_VERSION = 6;
    static final long HELLO_MAX_MESSAGE = 8;

    /**
     * 3: the ring segment is {@link RingLayout#VERSION} 3 (records commit through their own header words). 2: the RING
     * frame carries the doorbells (version 1 had the memfd only, with futex wake-ups). A peer of another version is
     * refused at HELLO: its rings would be misread, not merely slower.
     */
    static final int VERSION = 3;

    private Frame() {}

    static void writeHeader(MemorySegment to, long at, long length, int type, int fds) {
        to.set(ValueLayout.JAVA_INT_UNALIGNED, at + LENGTH, (int) length);
        to.set(ValueLayout.JAVA_BYTE, at + TYPE, (byte) type);
        to.set(ValueLayout.JAVA_BYTE, at + FLAGS, (byte) 0);
        to.set(ValueLayout.JAVA_SHORT_UNALIGNED, at + FDS, (short) fds);
    }

    /**
     * Reads and validates a header; returns the payload length. Everything is checked against what this side accepts
     * before any of it is used.
     */
    static long readLength(MemorySegment from, long at, long maxMessage) throws ProtocolException {
        long length = Integer.toUnsignedLong(from.get(ValueLayout.JAVA_INT_UNALIGNED, at + LENGTH));
        int type = type(from, at);
        int flags = from.get(ValueLayout.JAVA_BYTE, at + FLAGS);
        if (type < DATA || type > RING) {
            throw new ProtocolException("frame of unknown type " + type);
        }
        if (flags != 0) {
            throw new ProtocolException("frame with unknown flags 0x" + Integer.toHexString(flags & 0xff));
        }
        if (length > maxMessage) {
            throw new ProtocolException("frame of " + length + " bytes exceeds the limit of " + maxMessage);
        }
        if (type == HELLO ? length != HELLO_SIZE : type != DATA && length != 0) {
            throw new ProtocolException("control frame of type " + type + " with " + length + " bytes of payload");
        }
        return length;
    }

    static int type(MemorySegment from, long at) {
        return from.get(ValueLayout.JAVA_BYTE, at + TYPE) & 0xff;
    }

    static int fds(MemorySegment from, long at) {
        return from.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + FDS) & 0xffff;
    }
}
