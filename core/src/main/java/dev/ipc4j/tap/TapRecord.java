package dev.ipc4j.tap;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One message as the tap publishes it: a sample of topic {@value Tap#TOPIC}, read in place by an observer. A flyweight
 * over the sample's bytes; little-endian, as the machine. An observer must check what it reads ({@link #check}): the
 * bytes come from another process.
 *
 * <pre>
 *  0  TIME        u64  when it crossed, ms since the epoch
 *  8  SESSION     u64  the session's id
 * 16  CHANNEL     u64  the channel's number in the server's process (ipc4j stat's id)
 * 24  LENGTH      u64  the payload's whole length
 * 32  FLAGS       u32  bit 0: inbound (the server read it), else outbound (the server sent it)
 * 36  TYPE        i32  the message's routing type
 * 40  COPIED      u32  payload bytes copied into this record (at most the tap's maxCopy): the first COPIED of LENGTH
 * 44  KIND_LEN    u16  then KIND (ASCII: REQUEST, RESPONSE, NOTIFY, CALL_MESSAGE, ...)
 * 46  CODEC_LEN   u16  then CODEC (the codec's class name, UTF-8)
 * 48  KIND, CODEC, then the COPIED payload bytes
 * </pre>
 */
public final class TapRecord {
    static final int TIME = 0;
    static final int SESSION = 8;
    static final int CHANNEL = 16;
    static final int LENGTH = 24;
    static final int FLAGS = 32;
    static final int TYPE = 36;
    static final int COPIED = 40;
    static final int KIND_LEN = 44;
    static final int CODEC_LEN = 46;
    static final int HEADER = 48;
    static final int INBOUND = 1;
    /** The longest codec class name kept (a longer one is cut). */
    static final int MAX_CODEC = 200;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final MemorySegment bytes;

    private TapRecord(MemorySegment bytes) {
        this.bytes = bytes;
    }

    /**
     * A record over a sample's bytes, checked: every length inside the sample.
     *
     * @throws IllegalArgumentException naming what does not fit
     */
    public static TapRecord check(MemorySegment sample) {
        if (sample.byteSize() < HEADER) {
            throw new IllegalArgumentException("a tap record needs " + HEADER + " bytes, the sample has " + sample.byteSize());
        }
        TapRecord r = new TapRecord(sample);
        long need = (long) HEADER + r.kindLength() + r.codecLength() + r.copied();
        if (need > sample.byteSize() || r.copied() > r.length() || r.length() < 0) {
            throw new IllegalArgumentException("tap record: kind " + r.kindLength() + " + codec " + r.codecLength()
                    + " + payload " + r.copied() + " of " + r.length() + " bytes do not fit its " + sample.byteSize());
        }
        return r;
    }

    /** Bytes a record of these parts takes. */
    static long size(int kindLength, int codecLength, long copied) {
        return HEADER + kindLength + codecLength + copied;
    }

    /** Writes a record into {@code to} (at least {@link #size} long). */
    static void write(MemorySegment to, long time, long session, long channel, boolean inbound, int type, byte[] kind,
            byte[] codec, MemorySegment payload, long copied) {
        to.set(LONG, TIME, time);
        to.set(LONG, SESSION, session);
        to.set(LONG, CHANNEL, channel);
        to.set(LONG, LENGTH, payload.byteSize());
        to.set(INT, FLAGS, inbound ? INBOUND : 0);
        to.set(INT, TYPE, type);
        to.set(INT, COPIED, (int) copied);
        to.set(SHORT, KIND_LEN, (short) kind.length);
        to.set(SHORT, CODEC_LEN, (short) codec.length);
        MemorySegment.copy(MemorySegment.ofArray(kind), 0, to, HEADER, kind.length);
        MemorySegment.copy(MemorySegment.ofArray(codec), 0, to, HEADER + kind.length, codec.length);
        MemorySegment.copy(payload, 0, to, HEADER + kind.length + codec.length, copied);
    }

    /** When the message crossed, ms since the epoch. */
    public long timeMillis() {
        return bytes.get(LONG, TIME);
    }

    /** The id of the session it crossed on. */
    public long session() {
        return bytes.get(LONG, SESSION);
    }

    /** The channel's number in the server's process (ipc4j stat's id). */
    public long channel() {
        return bytes.get(LONG, CHANNEL);
    }

    /** The payload's whole length; {@link #payload()} has its first {@link #copied()} bytes. */
    public long length() {
        return bytes.get(LONG, LENGTH);
    }

    /** True for a message the server read, false for one it sent. */
    public boolean inbound() {
        return (bytes.get(INT, FLAGS) & INBOUND) != 0;
    }

    /** The message's routing type. */
    public int type() {
        return bytes.get(INT, TYPE);
    }

    /** How many payload bytes this record holds (the first of {@link #length()}). */
    public long copied() {
        return Integer.toUnsignedLong(bytes.get(INT, COPIED));
    }

    private int kindLength() {
        return Short.toUnsignedInt(bytes.get(SHORT, KIND_LEN));
    }

    private int codecLength() {
        return Short.toUnsignedInt(bytes.get(SHORT, CODEC_LEN));
    }

    /** The frame's kind: REQUEST, RESPONSE, NOTIFY, STREAM_ITEM, CALL_MESSAGE, ... */
    public String kind() {
        return new String(bytes.asSlice(HEADER, kindLength()).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII);
    }

    /** The channel's codec's class name. */
    public String codec() {
        return new String(bytes.asSlice(HEADER + kindLength(), codecLength()).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
    }

    /** The copied payload bytes, in place (valid while the sample is). */
    public MemorySegment payload() {
        return bytes.asSlice(HEADER + kindLength() + codecLength(), copied());
    }
}
