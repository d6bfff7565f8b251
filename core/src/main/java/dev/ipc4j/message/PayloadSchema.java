package dev.ipc4j.message;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a codec's payloads are, told in a form that tools can render them by without the application's classes: the
 * message tap hands it to observers ({@code ipc4j inspect}), which show each payload as JSON by it.
 *
 * @param format how {@code bytes} is written: {@link #PROTOBUF}, {@link #FLATBUFFERS}, or a format another tool knows
 * @param root the type a payload is: for {@link #PROTOBUF} the root message's full name ({@code pkg.Msg}); for
 *     {@link #FLATBUFFERS} the root table's full name, or empty for the schema's own {@code root_type}
 * @param bytes the schema: for {@link #PROTOBUF} a serialized {@code FileDescriptorSet} holding the root's file and
 *     every file it imports; for {@link #FLATBUFFERS} a binary schema ({@code flatc -b --schema x.fbs} writes
 *     {@code x.bfbs}). Copied in and out: a schema is small and read rarely.
 */
public record PayloadSchema(String format, String root, byte[] bytes) {
    /** {@code bytes} is a serialized {@code google.protobuf.FileDescriptorSet}. */
    public static final String PROTOBUF = "protobuf";
    /** {@code bytes} is a FlatBuffers binary schema ({@code .bfbs}, of {@code reflection.fbs}). */
    public static final String FLATBUFFERS = "flatbuffers";

    public PayloadSchema {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(root, "root");
        bytes = bytes.clone();
        if (format.isEmpty() || format.length() > 64) {
            throw new IllegalArgumentException("a schema's format is a short name: " + format);
        }
    }

    /** The schema's bytes (a copy). */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PayloadSchema s && format.equals(s.format) && root.equals(s.root) && Arrays.equals(bytes, s.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, root, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return "PayloadSchema[" + format + " " + (root.isEmpty() ? "(root_type)" : root) + ", " + bytes.length + " bytes]";
    }
}
