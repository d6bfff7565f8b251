package dev.ipc4j.flatbuffers;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bounds checks for a FlatBuffer from someone else, before any generated accessor touches it (flatbuffers-java 25.2.10
 * has no verifier). A schema's verifier (e.g. the samples module's {@code DemoVerifier} for demo.fbs) walks its
 * tables with these primitives; each either returns a position that is safe to read or throws {@link InvalidFlatBufferException}.
 *
 * <p>What is checked, as the C++ verifier does: every table lies inside the buffer and its vtable too (vtable and
 * object sizes at least 4 and even, the vtable inside the buffer); every field a vtable names lies inside its object;
 * every uoffset lands inside the buffer; vectors and strings fit (length x element size, as 64-bit arithmetic so
 * nothing overflows), strings end with their 0 byte and, optionally, are valid UTF-8; union types are in range;
 * nesting stays under a depth limit and the number of tables under a count limit (so a buffer cannot make the walk
 * costlier than its size). Unlike C++ it does not require scalars to be aligned: Java reads unaligned values safely.
 *
 * <p>Positions are {@code int}s because FlatBuffers addresses its buffer with ints: buffers above 2 GiB are refused.
 */
public final class FlatBufferVerifier {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Limits of one verification. */
    public record Limits(int maxDepth, long maxTables, boolean checkUtf8) {
        /** Depth 64 and a million tables, as C++'s defaults; UTF-8 checked. */
        public static final Limits DEFAULT = new Limits(64, 1_000_000, true);

        public Limits {
            if (maxDepth < 1 || maxTables < 1) {
                throw new IllegalArgumentException("limits must be positive: " + maxDepth + ", " + maxTables);
            }
        }
    }

    private final MemorySegment buffer;
    private final int size;
    private final Limits limits;
    private int depth;
    private long tables;

    /** A verifier of {@code buffer} (the whole FlatBuffer, root offset at byte 0). */
    public FlatBufferVerifier(MemorySegment buffer, Limits limits) {
        if (buffer.byteSize() > ShmFlatBufferBuilder.MAX_CAPACITY) {
            throw new InvalidFlatBufferException("a FlatBuffer is at most 2 GiB, this one has " + buffer.byteSize() + " bytes", -1);
        }
        this.buffer = buffer;
        this.size = (int) buffer.byteSize();
        this.limits = limits;
    }

    /**
     * Checks the header (root uoffset and, if {@code fileIdentifier} is not null, the 4-byte identifier after it) and
     * returns the root table's position, itself checked with {@link #table}.
     */
    public int root(String fileIdentifier) {
        int header = fileIdentifier == null ? 4 : 8;
        if (size < header) {
            throw new InvalidFlatBufferException("a FlatBuffer needs at least " + header + " bytes, this one has " + size, 0);
        }
        if (fileIdentifier != null) {
            for (int i = 0; i < 4; i++) {
                if (buffer.get(ValueLayout.JAVA_BYTE, 4 + i) != (byte) fileIdentifier.charAt(i)) {
                    throw new InvalidFlatBufferException("file identifier is not \"" + fileIdentifier + "\"", 4);
                }
            }
        }
        return table(offsetAt(0));
    }

    /** Checks a table at {@code pos}: its vtable and object fit; counts it against the table limit. */
    public int table(int pos) {
        if (++tables > limits.maxTables()) {
            throw new InvalidFlatBufferException("more than " + limits.maxTables() + " tables", pos);
        }
        require(pos, 4, "table");
        long vtable = (long) pos - buffer.get(INT, pos);
        if (vtable < 0 || vtable > size - 4L || (vtable & 1) != 0) {
            throw new InvalidFlatBufferException("vtable of table " + pos + " at " + vtable + " outside the buffer or odd", pos);
        }
        int vtableSize = Short.toUnsignedInt(buffer.get(SHORT, vtable));
        int objectSize = Short.toUnsignedInt(buffer.get(SHORT, vtable + 2));
        if (vtableSize < 4 || (vtableSize & 1) != 0 || vtable + vtableSize > size) {
            throw new InvalidFlatBufferException("vtable size " + vtableSize, vtable);
        }
        if (objectSize < 4 || (long) pos + objectSize > size) {
            throw new InvalidFlatBufferException("table size " + objectSize, pos);
        }
        return pos;
    }

    /**
     * The position of field {@code vtableOffset} (4, 6, 8, ... as generated code numbers them) of a checked table, or
     * -1 when absent; checks that {@code fieldSize} bytes of it lie inside the table.
     */
    public int field(int table, int vtableOffset, int fieldSize) {
        int vtable = table - buffer.get(INT, table);
        int vtableSize = Short.toUnsignedInt(buffer.get(SHORT, vtable));
        if (vtableOffset >= vtableSize) {
            return -1; // written by an older schema: the field is absent
        }
        int at = Short.toUnsignedInt(buffer.get(SHORT, vtable + vtableOffset));
        if (at == 0) {
            return -1;
        }
        int objectSize = Short.toUnsignedInt(buffer.get(SHORT, vtable + 2));
        if (at < 4 || at + fieldSize > objectSize) {
            throw new InvalidFlatBufferException("field " + vtableOffset + " at +" + at + " outside its table of " + objectSize + " bytes", table);
        }
        return table + at;
    }

    /** Follows the uoffset stored at {@code pos} (already checked to hold 4 bytes) and returns where it points. */
    public int offsetAt(int pos) {
        require(pos, 4, "offset");
        long target = pos + Integer.toUnsignedLong(buffer.get(INT, pos));
        if (target >= size) {
            throw new InvalidFlatBufferException("offset " + Integer.toUnsignedLong(buffer.get(INT, pos)) + " leads outside the buffer", pos);
        }
        return (int) target;
    }

    /** The table that offset field {@code vtableOffset} of {@code table} refers to, checked; -1 when absent. */
    public int tableField(int table, int vtableOffset) {
        int at = field(table, vtableOffset, 4);
        return at < 0 ? -1 : table(offsetAt(at));
    }

    /** Checks the vector that field {@code vtableOffset} refers to; returns its length (0 when absent). */
    public int vectorField(int table, int vtableOffset, int elementSize) {
        int at = field(table, vtableOffset, 4);
        return at < 0 ? 0 : vectorLength(offsetAt(at), elementSize);
    }

    /** Checks a vector at {@code pos} (u32 length then elements) and returns its length. */
    public int vectorLength(int pos, int elementSize) {
        require(pos, 4, "vector length");
        long length = Integer.toUnsignedLong(buffer.get(INT, pos));
        if (length * elementSize > size - (pos + 4L)) {
            throw new InvalidFlatBufferException("vector of " + length + " x " + elementSize + " bytes does not fit", pos);
        }
        return (int) length;
    }

    /** The position of element {@code i} of the checked vector at {@code pos}. */
    public int element(int vector, int i, int elementSize) {
        return vector + 4 + i * elementSize;
    }

    /** Checks the string that field {@code vtableOffset} refers to: fits, ends with 0, valid UTF-8 if so configured. */
    public void stringField(int table, int vtableOffset) {
        int at = field(table, vtableOffset, 4);
        if (at >= 0) {
            string(offsetAt(at));
        }
    }

    /** Checks a string at {@code pos}. */
    public void string(int pos) {
        int length = vectorLength(pos, 1);
        long end = pos + 4L + length;
        if (end >= size || buffer.get(ValueLayout.JAVA_BYTE, end) != 0) {
            throw new InvalidFlatBufferException("string of " + length + " bytes without its terminating 0", pos);
        }
        if (limits.checkUtf8()) {
            try {
                StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buffer.asSlice(pos + 4, length).asByteBuffer());
            } catch (CharacterCodingException e) {
                throw new InvalidFlatBufferException("string is not UTF-8", pos);
            }
        }
    }

    /** Checks a union type byte against the number of members (types 0..members, 0 = NONE). */
    public int unionType(int table, int vtableOffset, int members) {
        int at = field(table, vtableOffset, 1);
        int type = at < 0 ? 0 : Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at));
        if (type > members) {
            throw new InvalidFlatBufferException("union type " + type + " out of range 0.." + members, at);
        }
        return type;
    }

    /** Enters a nested table; fails past the depth limit. Pair with {@link #exit()}. */
    public void enter() {
        if (++depth > limits.maxDepth()) {
            throw new InvalidFlatBufferException("nesting deeper than " + limits.maxDepth(), -1);
        }
    }

    /** Leaves the table {@link #enter()} entered. */
    public void exit() {
        depth--;
    }

    private void require(int pos, int bytes, String what) {
        if (pos < 0 || (long) pos + bytes > size) {
            throw new InvalidFlatBufferException(what + " at " + pos + " outside the buffer of " + size + " bytes", pos);
        }
    }
}
