package dev.ipc4j.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Parser;
import dev.ipc4j.message.Codec;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.PayloadSchema;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A {@link Codec} for one protobuf message type over a {@link MessageChannel}: the payload is parsed in place with
 * aliasing ({@link ShmProtobuf#parse}), so {@code bytes} fields are views of the payload memory (valid until the
 * {@code InMessage} is closed); the routing type is usually the root's oneof case number.
 *
 * <pre>{@code
 * ProtobufCodec<Body> codec = ProtobufCodec.of(Body.parser(), body -> body.getMsgCase().getNumber());
 * try (OutMessage out = ProtobufCodec.write(channel, request, Body.MsgCase.GET_FILE_REQ.getNumber());
 *      InMessage<Body> rsp = channel.request(out, Duration.ofSeconds(2))) {
 *     ByteString data = rsp.root().getGetFileRsp().getParts(0).getData(); // in place
 * }
 * }</pre>
 *
 * <p>A payload that does not parse, or breaks the {@link ParseLimits}, is a {@link ProtobufPayloadException}; a oneof
 * case that disagrees with the header's type is rejected by {@code InMessage.root()}. Protobuf parses eagerly: once
 * {@code root()} returned, every field was read and checked (only bytes fields point back into the payload).
 *
 * @param <M> the root message type
 */
public final class ProtobufCodec<M extends MessageLite> implements Codec<M> {
    private final Parser<M> parser;
    private final ToIntFunction<M> typeOf;
    private final ParseLimits limits;
    private final Function<M, String> json;
    private final int jsonElements;
    private volatile Optional<PayloadSchema> schema; // null until first asked: found from a parsed empty message

    private ProtobufCodec(Parser<M> parser, ToIntFunction<M> typeOf, ParseLimits limits, Function<M, String> json) {
        this.parser = Objects.requireNonNull(parser, "parser");
        this.typeOf = Objects.requireNonNull(typeOf, "typeOf");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.json = json;
        this.jsonElements = 8;
    }

    /** Messages of {@code parser}'s type, routed by {@code typeOf} (e.g. {@code m -> m.getMsgCase().getNumber()}). */
    public static <M extends MessageLite> ProtobufCodec<M> of(Parser<M> parser, ToIntFunction<M> typeOf) {
        return new ProtobufCodec<>(parser, typeOf, ParseLimits.DEFAULT, null);
    }

    /** The same codec with other parse limits (size, recursion). */
    public ProtobufCodec<M> withLimits(ParseLimits limits) {
        return new ProtobufCodec<>(parser, typeOf, limits, json);
    }

    /** The same codec rendering roots with {@code json}; by default {@link ProtobufJson} (8 elements per list). */
    public ProtobufCodec<M> withJson(Function<M, String> json) {
        return new ProtobufCodec<>(parser, typeOf, limits, Objects.requireNonNull(json, "json"));
    }

    /** The limits parsing checks a payload against. */
    public ParseLimits limits() {
        return limits;
    }

    @Override
    public M read(MemorySegment payload) throws InvalidPayloadException {
        try {
            return ShmProtobuf.parse(payload, parser, limits);
        } catch (InvalidProtobufException e) {
            throw new ProtobufPayloadException(e);
        }
    }

    @Override
    public int typeOf(M root) {
        return typeOf.applyAsInt(root);
    }

    /**
     * The root message's descriptor and every file it imports, as a {@code FileDescriptorSet}; empty for a lite
     * message (no descriptors). Found once, from the parser's empty message.
     */
    @Override
    public Optional<PayloadSchema> schema() {
        Optional<PayloadSchema> s = schema;
        if (s == null) {
            s = describe();
            schema = s;
        }
        return s;
    }

    private Optional<PayloadSchema> describe() {
        MessageLite empty;
        try {
            empty = parser.parsePartialFrom(ByteString.EMPTY);
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
        if (!(empty instanceof Message full)) {
            return Optional.empty(); // a lite message carries no descriptor
        }
        Descriptor d = full.getDescriptorForType();
        DescriptorProtos.FileDescriptorSet.Builder set = DescriptorProtos.FileDescriptorSet.newBuilder();
        addWithImports(d.getFile(), set, new HashSet<>());
        return Optional.of(new PayloadSchema(PayloadSchema.PROTOBUF, d.getFullName(), set.build().toByteArray()));
    }

    /** {@code file} after every file it imports, each once: the order a reader builds them in. */
    private static void addWithImports(FileDescriptor file, DescriptorProtos.FileDescriptorSet.Builder set, Set<String> added) {
        if (!added.add(file.getName())) {
            return;
        }
        for (FileDescriptor dependency : file.getDependencies()) {
            addWithImports(dependency, set, added);
        }
        set.addFile(file.toProto());
    }

    @Override
    public String toJson(M root) {
        if (json != null) {
            return json.apply(root);
        }
        if (root instanceof MessageOrBuilder full) {
            return ProtobufJson.render(full, jsonElements);
        }
        return Codec.super.toJson(root);
    }

    /**
     * {@code message} serialized straight into a new message of {@code channel} (in the session's shared memory when
     * the channel has a ring and the message is not small; see {@link MessageChannel#newMessage(long, int)}), with
     * routing type {@code type}. No intermediate {@code byte[]}.
     */
    public static OutMessage write(MessageChannel<?> channel, MessageLite message, int type) {
        int size = message.getSerializedSize();
        OutMessage out = channel.newMessage(size, type);
        try {
            ShmProtobuf.write(message, out.payload().asSlice(0, size));
            return out.commit(size);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }
}
