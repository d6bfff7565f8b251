package dev.ipc4j.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MessageOrBuilder;
import java.util.List;
import java.util.Map;

/**
 * A compact JSON rendering of any (non-lite) protobuf message for logs and tools, without protobuf-java-util and its
 * dependencies: JSON field names, set fields only, {@code bytes} as {@code {"length":N}} (never the bytes: a 1 GiB
 * payload must not end up in a log), 64-bit unsigned numbers unsigned, at most {@code maxElements} elements of each
 * repeated field followed by a count of the rest. Not the canonical proto3 JSON mapping; use JsonFormat for that.
 */
public final class ProtobufJson {
    private ProtobufJson() {
    }

    /** {@code message} as one line of JSON, at most {@code maxElements} elements of each repeated field. */
    public static String render(MessageOrBuilder message, int maxElements) {
        StringBuilder out = new StringBuilder();
        message(out, message, maxElements);
        return out.toString();
    }

    private static void message(StringBuilder out, MessageOrBuilder message, int max) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
            FieldDescriptor field = e.getKey();
            out.append(first ? "" : ",").append('"').append(field.getJsonName()).append("\":");
            first = false;
            if (field.isRepeated()) {
                List<?> values = (List<?>) e.getValue();
                out.append('[');
                for (int i = 0; i < Math.min(values.size(), max); i++) {
                    out.append(i == 0 ? "" : ",");
                    value(out, field, values.get(i), max);
                }
                out.append(']');
                if (values.size() > max) {
                    out.append(",\"").append(field.getJsonName()).append("NotShown\":").append(values.size() - max);
                }
            } else {
                value(out, field, e.getValue(), max);
            }
        }
        out.append('}');
    }

    private static void value(StringBuilder out, FieldDescriptor field, Object value, int max) {
        switch (field.getJavaType()) {
            case MESSAGE -> message(out, (MessageOrBuilder) value, max);
            case BYTE_STRING -> out.append("{\"length\":").append(((ByteString) value).size()).append('}');
            case STRING -> string(out, (String) value);
            case ENUM -> string(out, ((EnumValueDescriptor) value).getName());
            case LONG -> out.append(switch (field.getType()) {
                case UINT64, FIXED64 -> Long.toUnsignedString((Long) value);
                default -> value.toString();
            });
            case INT -> out.append(switch (field.getType()) {
                case UINT32, FIXED32 -> Integer.toUnsignedString((Integer) value);
                default -> value.toString();
            });
            case FLOAT, DOUBLE -> {
                double d = ((Number) value).doubleValue();
                if (Double.isFinite(d)) {
                    out.append(value);
                } else {
                    string(out, value.toString());
                }
            }
            default -> out.append(value);
        }
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
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
