package dev.ipc4j.tap;

import dev.ipc4j.message.PayloadSchema;
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
 * 44  SCHEMA      u32  the number of the codec's schema in this tap (0: its codec tells none), see below
 * 48  KIND_LEN    u16  then KIND (ASCII: REQUEST, RESPONSE, NOTIFY, CALL_MESSAGE, ..., or SKIPPED, SCHEMA)
 * 50  CODEC_LEN   u16  then CODEC (the codec's class name, UTF-8)
 * 52  KIND, CODEC, then the COPIED payload bytes
 * </pre>
 *
 * <p>Two kinds are the tap's own. {@value Tap#SKIPPED}: LENGTH messages went unrecorded before the next record.
 * {@value Tap#SCHEMA}: the payload tells what schema number SCHEMA is ({@link #schema()}), so that an observer can
 * render the payloads of records carrying that number without the application's classes:
 *
 * <pre>
 *  0  FORMAT_LEN  u16  then FORMAT (UTF-8: protobuf, flatbuffers; see PayloadSchema)
 *  2  ROOT_LEN    u16  then ROOT (UTF-8: the root type's full name, or empty)
 *  4  FORMAT, ROOT, then the schema's bytes (the rest of the payload)
 * </pre>
 *
 * A schema record comes before the first record carrying its number, again after an observer joins or was told it
 * skipped, and every second while observed (so one that missed it in a gap has it again soon).
 */
public final class TapRecord {
    static final int TIME = 0;
    static final int SESSION = 8;
    static final int CHANNEL = 16;
    static final int LENGTH = 24;
    static final int FLAGS = 32;
    static final int TYPE = 36;
    static final int COPIED = 40;
    static final int SCHEMA = 44;
    static final int KIND_LEN = 48;
    static final int CODEC_LEN = 50;
    static final int HEADER = 52;
    static final int FORMAT_LEN = 0;
    static final int ROOT_LEN = 2;
    static final int DESCRIPTION = 4;
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
    static void write(MemorySegment to, long time, long session, long channel, boolean inbound, int type, int schema,
            byte[] kind, byte[] codec, MemorySegment payload, long copied) {
        to.set(LONG, TIME, time);
        to.set(LONG, SESSION, session);
        to.set(LONG, CHANNEL, channel);
        to.set(LONG, LENGTH, payload.byteSize());
        to.set(INT, FLAGS, inbound ? INBOUND : 0);
        to.set(INT, TYPE, type);
        to.set(INT, COPIED, (int) copied);
        to.set(INT, SCHEMA, schema);
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

    /** The number of the codec's schema in this tap (see {@link #schema()}); 0 when the codec tells none. */
    public int schemaNumber() {
        return bytes.get(INT, SCHEMA);
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

    /**
     * What schema number {@link #schemaNumber()} is, read from a {@value Tap#SCHEMA} record's payload (a copy).
     *
     * @throws IllegalArgumentException when this is no schema record, or its payload does not hold one
     */
    public PayloadSchema schema() {
        if (!kind().equals(Tap.SCHEMA)) {
            throw new IllegalArgumentException("a " + kind() + " record tells no schema");
        }
        MemorySegment p = payload();
        if (p.byteSize() < DESCRIPTION || copied() != length()) {
            throw new IllegalArgumentException("a schema record's payload is " + p.byteSize() + " of " + length() + " bytes");
        }
        int format = Short.toUnsignedInt(p.get(SHORT, FORMAT_LEN));
        int root = Short.toUnsignedInt(p.get(SHORT, ROOT_LEN));
        if (DESCRIPTION + format + root > p.byteSize()) {
            throw new IllegalArgumentException("a schema record's format " + format + " and root " + root
                    + " bytes do not fit its " + p.byteSize());
        }
        return new PayloadSchema(string(p, DESCRIPTION, format), string(p, DESCRIPTION + format, root),
                p.asSlice(DESCRIPTION + format + root).toArray(ValueLayout.JAVA_BYTE));
    }

    /** A schema record's payload: how {@link #schema()} reads it. */
    static byte[] describe(PayloadSchema schema) {
        byte[] format = schema.format().getBytes(StandardCharsets.UTF_8);
        byte[] root = schema.root().getBytes(StandardCharsets.UTF_8);
        byte[] bytes = schema.bytes();
        if (root.length > 0xFFFF) {
            throw new IllegalArgumentException("a root type's name of " + root.length + " bytes");
        }
        MemorySegment d = MemorySegment.ofArray(new byte[DESCRIPTION + format.length + root.length + bytes.length]);
        d.set(SHORT, FORMAT_LEN, (short) format.length);
        d.set(SHORT, ROOT_LEN, (short) root.length);
        MemorySegment.copy(MemorySegment.ofArray(format), 0, d, DESCRIPTION, format.length);
        MemorySegment.copy(MemorySegment.ofArray(root), 0, d, DESCRIPTION + format.length, root.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, d, DESCRIPTION + format.length + root.length, bytes.length);
        return (byte[]) d.heapBase().orElseThrow();
    }

    private static String string(MemorySegment in, long offset, int length) {
        return new String(in.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** The copied payload bytes, in place (valid while the sample is). */
    public MemorySegment payload() {
        return bytes.asSlice(HEADER + kindLength() + codecLength(), copied());
    }
}
