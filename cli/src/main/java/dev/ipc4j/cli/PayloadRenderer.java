package dev.ipc4j.cli;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.ipc4j.flatbuffers.FlatBufferJson;
import dev.ipc4j.flatbuffers.FlatBufferSchema;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.message.PayloadSchema;
import dev.ipc4j.protobuf.ProtobufJson;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * Renders payloads as JSON by a schema a codec told ({@link PayloadSchema}), without the application's classes: what
 * {@code ipc4j inspect} shows of protobuf and FlatBuffers channels. Schema and payloads come from another process:
 * whatever does not hold up is an {@link Unrenderable} with the reason, never anything else.
 */
@FunctionalInterface
interface PayloadRenderer {
    /** Elements of each repeated field or vector shown before a count of the rest. */
    int ELEMENTS = 8;

    /** A payload, or a schema, that cannot be rendered: the reason is the message. */
    final class Unrenderable extends Exception {
        private static final long serialVersionUID = 1L;

        Unrenderable(String reason, Throwable cause) {
            super(reason, cause);
        }
    }

    /** {@code payload} (a whole one) as one line of JSON. */
    String render(MemorySegment payload) throws Unrenderable;

    /**
     * A renderer by {@code schema}.
     *
     * @throws Unrenderable when the format is unknown or the schema does not hold up
     */
    static PayloadRenderer of(PayloadSchema schema) throws Unrenderable {
        return switch (schema.format()) {
            case PayloadSchema.PROTOBUF -> protobuf(schema);
            case PayloadSchema.FLATBUFFERS -> flatbuffers(schema);
            default -> throw new Unrenderable("no renderer for schema format " + schema.format(), null);
        };
    }

    private static PayloadRenderer flatbuffers(PayloadSchema told) throws Unrenderable {
        FlatBufferSchema schema;
        try {
            schema = FlatBufferSchema.read(told.bytes(), told.root());
        } catch (InvalidFlatBufferException e) {
            throw new Unrenderable("the FlatBuffers schema told is unusable: " + e.getMessage(), e);
        }
        return payload -> {
            try {
                return FlatBufferJson.render(schema, payload, ELEMENTS);
            } catch (InvalidFlatBufferException e) {
                throw new Unrenderable(e.getMessage(), e);
            }
        };
    }

    private static PayloadRenderer protobuf(PayloadSchema told) throws Unrenderable {
        Descriptor root;
        try {
            Map<String, FileDescriptor> built = new HashMap<>();
            for (FileDescriptorProto file : FileDescriptorSet.parseFrom(told.bytes()).getFileList()) {
                FileDescriptor[] imports = new FileDescriptor[file.getDependencyCount()];
                for (int i = 0; i < imports.length; i++) {
                    imports[i] = built.get(file.getDependency(i));
                    if (imports[i] == null) {
                        throw new Unrenderable(file.getName() + " imports " + file.getDependency(i)
                                + ", which the schema does not hold before it", null);
                    }
                }
                built.put(file.getName(), FileDescriptor.buildFrom(file, imports));
            }
            root = built.values().stream().map(f -> find(f, told.root())).filter(d -> d != null).findFirst()
                    .orElseThrow(() -> new Unrenderable("the protobuf schema told has no message " + told.root(), null));
        } catch (InvalidProtocolBufferException | DescriptorValidationException | RuntimeException e) {
            throw new Unrenderable("the protobuf schema told is unusable: " + e.getMessage(), e);
        }
        return payload -> {
            try {
                // Copied: the payload is a copy already (the tap's record), and a small one (the tap's maxCopy)
                byte[] bytes = payload.toArray(ValueLayout.JAVA_BYTE);
                return ProtobufJson.render(DynamicMessage.parseFrom(root, bytes), ELEMENTS); // nesting limited to 100
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                throw new Unrenderable("not a " + root.getFullName() + ": " + e.getMessage(), e);
            }
        };
    }

    /** The message named {@code fullName} in {@code file}, nested or not; null when it has none. */
    private static Descriptor find(FileDescriptor file, String fullName) {
        String prefix = file.getPackage().isEmpty() ? "" : file.getPackage() + ".";
        if (!fullName.startsWith(prefix)) {
            return null;
        }
        String[] names = fullName.substring(prefix.length()).split("\\.");
        Descriptor d = file.findMessageTypeByName(names[0]);
        for (int i = 1; d != null && i < names.length; i++) {
            d = d.findNestedTypeByName(names[i]);
        }
        return d;
    }
}
