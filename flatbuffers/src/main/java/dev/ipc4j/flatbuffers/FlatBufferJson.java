package dev.ipc4j.flatbuffers;

import com.google.flatbuffers.reflection.BaseType;
import dev.ipc4j.flatbuffers.FlatBufferSchema.Enumeration;
import dev.ipc4j.flatbuffers.FlatBufferSchema.Member;
import dev.ipc4j.flatbuffers.FlatBufferSchema.Table;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Any FlatBuffer as one line of JSON, walked by its {@link FlatBufferSchema} alone (no generated classes): what
 * {@code ipc4j inspect} shows of a FlatBuffers channel's messages. Like flatc's JSON (field names as declared, set
 * fields only, unions as {@code x_type} and {@code x}, enum values by name) but compact for logs and tools:
 * {@code [ubyte]} and {@code [byte]} vectors as {@code {"length":N}}, at most {@code maxElements} elements of any other
 * vector followed by {@code "xNotShown":N}, 64-bit unsigned numbers unsigned.
 *
 * <p>The buffer is not trusted: every offset is checked against it, nesting is bounded, and so is the work (a buffer
 * whose offsets point back at shared tables cannot make it exponential); what does not hold up is an
 * {@link InvalidFlatBufferException}.
 */
public final class FlatBufferJson {
    /** Tables deeper than this are a broken (or hostile) buffer. */
    static final int MAX_DEPTH = 64;
    /** Values rendered at most, whatever the buffer. */
    static final int MAX_VALUES = 100_000;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final FlatBufferSchema schema;
    private final MemorySegment buffer;
    private final int maxElements;
    private final StringBuilder out = new StringBuilder();
    private int values;

    private FlatBufferJson(FlatBufferSchema schema, MemorySegment buffer, int maxElements) {
        this.schema = schema;
        this.buffer = buffer;
        this.maxElements = maxElements;
    }

    /**
     * {@code buffer} (a finished FlatBuffer of {@code schema}'s root) as one line of JSON.
     *
     * @throws InvalidFlatBufferException when the buffer does not hold up
     */
    public static String render(FlatBufferSchema schema, MemorySegment buffer, int maxElements) {
        if (maxElements < 0) {
            throw new IllegalArgumentException("maxElements < 0: " + maxElements);
        }
        FlatBufferJson walk = new FlatBufferJson(schema, buffer, maxElements);
        try {
            walk.table(walk.offset(0), schema.rootTable(), 0);
        } catch (IndexOutOfBoundsException e) {
            throw new InvalidFlatBufferException("an offset or length out of the buffer's " + buffer.byteSize()
                    + " bytes: " + e.getMessage(), e);
        }
        return walk.out.toString();
    }

    private void table(long at, Table table, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidFlatBufferException("tables nested deeper than " + MAX_DEPTH, at);
        }
        long vtable = at - buffer.get(INT, at);
        int vtableBytes = Short.toUnsignedInt(buffer.get(SHORT, vtable));
        out.append('{');
        boolean first = true;
        for (Member m : table.fields()) {
            int slot = m.offset() + 2 <= vtableBytes ? Short.toUnsignedInt(buffer.get(SHORT, vtable + m.offset())) : 0;
            if (slot == 0) {
                continue; // absent: flatc too prints set fields only
            }
            out.append(first ? "" : ",");
            first = false;
            name(m.name());
            long field = at + slot;
            switch (m.type()) {
                case BaseType.Union -> union(table, m, vtable, vtableBytes, field, at, depth);
                case BaseType.Vector -> vector(m, offset(field), depth);
                default -> value(m.type(), m.index(), field, depth);
            }
            if (m.type() == BaseType.Vector && vectorLength(offset(field)) > maxElements && !bytes(m.element())) {
                out.append(",");
                name(m.name() + "NotShown");
                out.append(vectorLength(offset(field)) - maxElements);
            }
        }
        out.append('}');
    }

    /** A union's value: its table, of the type its {@code x_type} field says. */
    private void union(Table table, Member m, long vtable, int vtableBytes, long field, long at, int depth) {
        long type = 0;
        for (Member t : table.fields()) {
            if (t.type() == BaseType.UType && t.name().equals(m.name() + "_type")) {
                int slot = t.offset() + 2 <= vtableBytes ? Short.toUnsignedInt(buffer.get(SHORT, vtable + t.offset())) : 0;
                type = slot == 0 ? 0 : Byte.toUnsignedInt(buffer.get(ValueLayout.JAVA_BYTE, at + slot));
            }
        }
        Integer object = schema.enums().get(m.index()).tables().get(type);
        if (object == null) {
            out.append("{\"unknownType\":").append(type).append('}');
            return;
        }
        table(offset(field), schema.objects().get(object), depth + 1);
    }

    private void vector(Member m, long at, int depth) {
        long length = vectorLength(at);
        if (bytes(m.element())) {
            out.append("{\"length\":").append(length).append('}');
            return;
        }
        long size = elementSize(m.element(), m.index());
        if (length > buffer.byteSize() || at + 4 + length * size > buffer.byteSize()) { // the first: no overflow
            throw new InvalidFlatBufferException("a vector of " + length + " elements of " + size + " bytes past the end", at);
        }
        out.append('[');
        for (long i = 0; i < Math.min(length, maxElements); i++) {
            out.append(i == 0 ? "" : ",");
            long element = at + 4 + i * size;
            value(m.element(), m.index(), element, depth);
        }
        out.append(']');
    }

    /** One value of type {@code type} stored at {@code at} (inline, or an offset to it). */
    private void value(byte type, int index, long at, int depth) {
        if (++values > MAX_VALUES) {
            throw new InvalidFlatBufferException("more than " + MAX_VALUES + " values to render", at);
        }
        switch (type) {
            case BaseType.Bool -> out.append(buffer.get(ValueLayout.JAVA_BYTE, at) != 0);
            case BaseType.Byte -> integer(buffer.get(ValueLayout.JAVA_BYTE, at), index);
            case BaseType.UByte, BaseType.UType -> integer(Byte.toUnsignedLong(buffer.get(ValueLayout.JAVA_BYTE, at)), index);
            case BaseType.Short -> integer(buffer.get(SHORT, at), index);
            case BaseType.UShort -> integer(Short.toUnsignedLong(buffer.get(SHORT, at)), index);
            case BaseType.Int -> integer(buffer.get(INT, at), index);
            case BaseType.UInt -> integer(Integer.toUnsignedLong(buffer.get(INT, at)), index);
            case BaseType.Long -> integer(buffer.get(LONG, at), index);
            case BaseType.ULong -> {
                long v = buffer.get(LONG, at);
                String name = index >= 0 ? schema.enums().get(index).names().get(v) : null;
                if (name != null) {
                    string(name);
                } else {
                    out.append(Long.toUnsignedString(v));
                }
            }
            case BaseType.Float -> real(buffer.get(FLOAT, at));
            case BaseType.Double -> real(buffer.get(DOUBLE, at));
            case BaseType.String -> {
                long s = offset(at);
                long length = vectorLength(s);
                if (s + 4 + length > buffer.byteSize()) {
                    throw new InvalidFlatBufferException("a string of " + length + " bytes past the end", s);
                }
                string(new String(buffer.asSlice(s + 4, length).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
            case BaseType.Obj -> {
                Table t = schema.objects().get(index);
                if (t.struct()) {
                    struct(at, t, depth);
                } else {
                    table(offset(at), t, depth + 1);
                }
            }
            default -> out.append("{\"unsupported\":").append('"').append(BaseType.name(type & 0xFF)).append("\"}");
        }
    }

    private void struct(long at, Table struct, int depth) {
        if (depth > MAX_DEPTH) {
            throw new InvalidFlatBufferException("structs nested deeper than " + MAX_DEPTH, at);
        }
        out.append('{');
        boolean first = true;
        for (Member m : struct.fields()) {
            out.append(first ? "" : ",");
            first = false;
            name(m.name());
            long field = at + m.offset();
            if (m.type() == BaseType.Array) {
                long size = elementSize(m.element(), m.index());
                out.append('[');
                for (int i = 0; i < Math.min(m.length(), maxElements); i++) {
                    out.append(i == 0 ? "" : ",");
                    value(m.element(), m.index(), field + i * size, depth + 1);
                }
                out.append(']');
            } else {
                value(m.type(), m.index(), field, depth + 1);
            }
        }
        out.append('}');
    }

    /** Where the uoffset stored at {@code at} points. */
    private long offset(long at) {
        return at + Integer.toUnsignedLong(buffer.get(INT, at));
    }

    private long vectorLength(long at) {
        return Integer.toUnsignedLong(buffer.get(INT, at));
    }

    private static boolean bytes(byte element) {
        return element == BaseType.UByte || element == BaseType.Byte;
    }

    private long elementSize(byte element, int index) {
        return switch (element) {
            case BaseType.Bool, BaseType.Byte, BaseType.UByte, BaseType.UType -> 1;
            case BaseType.Short, BaseType.UShort -> 2;
            case BaseType.Long, BaseType.ULong, BaseType.Double -> 8;
            case BaseType.Obj -> schema.objects().get(index).struct() ? Math.max(1, schema.objects().get(index).bytes()) : 4;
            default -> 4; // Int, UInt, Float, and the offsets of String and Union
        };
    }

    private void integer(long v, int index) {
        Enumeration e = index >= 0 ? schema.enums().get(index) : null;
        String name = e == null ? null : e.names().get(v);
        if (name != null) {
            string(name);
        } else {
            out.append(v);
        }
    }

    private void real(double d) {
        if (Double.isFinite(d)) {
            out.append(d);
        } else {
            string(Double.toString(d));
        }
    }

    private void name(String name) {
        string(name);
        out.append(':');
    }

    private void string(String s) {
        quote(out, s);
    }

    /** Appends {@code s} as a JSON string (quotes, backslashes and control characters escaped). */
    public static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
