package dev.ipc4j.flatbuffers;

import dev.ipc4j.message.Codec;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.message.PayloadSchema;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A {@link Codec} for one FlatBuffers schema over a {@link dev.ipc4j.message.MessageChannel}: the root is read in place
 * from the payload (shared memory the peer lent, or an inline copy), the routing type is the root's union type.
 *
 * <pre>{@code
 * // the samples module's demo.fbs: DemoVerifier and DemoJson are in dev.ipc4j.samples.flatbuffers
 * FlatBuffersCodec<Body> codec = FlatBuffersCodec.of(DemoVerifier::verify, Body::getRootAsBody, Body::msgType)
 *         .withJson(body -> DemoJson.render(body, 8));
 * }</pre>
 *
 * <p>What {@link #read} guarantees is what the verifier given checks, and nothing else: with a full verifier
 * (e.g. the samples module's {@code DemoVerifier.verify}) every offset the generated accessors follow was checked
 * before the root is returned; with a shallow one ({@link #reading}, e.g. the samples module's {@code DemoCodec.LAZY})
 * only what it documents. Either way generated accessors read through bounds-checked {@link ByteBuffer}s, so a lie can only give an exception, never a stray read:
 * run them inside {@link FlatBufferReader#read} to get it as {@link InvalidFlatBufferException}.
 *
 * <p>Errors: {@link #read} throws {@link FlatBufferPayloadException} (an {@link InvalidPayloadException}) with the
 * verifier's {@link InvalidFlatBufferException} as its cause. {@link #typeOf} never throws: a root whose type cannot be
 * read has type {@link #UNREADABLE_TYPE}, which matches no header, so {@code InMessage.root()} rejects it.
 *
 * @param <R> the root: a generated table over the payload's memory, or a wrapper of one
 */
public final class FlatBuffersCodec<R> implements Codec<R> {
    /** The type of a root whose union type could not be read (never a valid union type, which is a ubyte). */
    public static final int UNREADABLE_TYPE = Integer.MIN_VALUE;

    /** Verifies a payload (as much as it documents) and returns its root; throws {@link InvalidFlatBufferException}. */
    @FunctionalInterface
    public interface RootReader<R> {
        /** The root of {@code payload}, verified as far as the reader documents. */
        R read(MemorySegment payload);
    }

    private final RootReader<R> reader;
    private final ToIntFunction<R> typeOf;
    private final Function<R, String> json;
    private final PayloadSchema schema; // null: none told

    private FlatBuffersCodec(RootReader<R> reader, ToIntFunction<R> typeOf, Function<R, String> json, PayloadSchema schema) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.typeOf = Objects.requireNonNull(typeOf, "typeOf");
        this.json = json;
        this.schema = schema;
    }

    /**
     * A codec that runs {@code verifier} over the whole payload, then takes the root with {@code rootAccessor} (a
     * generated {@code getRootAsX}) from a zero-copy view of it.
     *
     * @param verifier throws {@link InvalidFlatBufferException} for a payload that is not a valid root
     * @param typeOf the routing type of a root, e.g. its union's {@code msgType()}
     */
    public static <R> FlatBuffersCodec<R> of(Consumer<MemorySegment> verifier, Function<ByteBuffer, R> rootAccessor,
            ToIntFunction<R> typeOf) {
        Objects.requireNonNull(verifier, "verifier");
        Objects.requireNonNull(rootAccessor, "rootAccessor");
        return new FlatBuffersCodec<>(payload -> {
            verifier.accept(payload);
            return FlatBufferReader.read(() -> rootAccessor.apply(FlatBufferReader.view(payload)));
        }, typeOf, null, null);
    }

    /** A codec whose roots come from {@code reader}, which verifies what it documents (e.g. a shallow check). */
    public static <R> FlatBuffersCodec<R> reading(RootReader<R> reader, ToIntFunction<R> typeOf) {
        return new FlatBuffersCodec<>(reader, typeOf, null, null);
    }

    /** The same codec rendering roots with {@code json} (for logs and tools; it should go through FlatBufferReader.read). */
    public FlatBuffersCodec<R> withJson(Function<R, String> json) {
        return new FlatBuffersCodec<>(reader, typeOf, Objects.requireNonNull(json, "json"), schema);
    }

    /**
     * The same codec telling its schema ({@link #schema()}), so that tools render its payloads without the generated
     * classes: the message tap's observers ({@code ipc4j inspect}) show them as JSON by {@link FlatBufferJson}.
     *
     * <p>Only the schema's identifier is checked here (a codec is often made in a static initialiser, on the way to a
     * service's first request, which should not pay for reading a schema only observers need); the observer reads
     * the rest, and says what it finds wrong. {@code FlatBufferSchema.read(bfbs, root)} checks it all, e.g. in a test.
     *
     * @param bfbs the binary schema: {@code flatc -b --schema x.fbs} writes it as {@code x.bfbs}
     * @param root the root table's full name ({@code ns.Table}), or empty for the schema's {@code root_type}
     * @throws InvalidFlatBufferException when {@code bfbs} is not a binary schema
     */
    public FlatBuffersCodec<R> withSchema(byte[] bfbs, String root) {
        if (bfbs.length < 8 || bfbs[4] != 'B' || bfbs[5] != 'F' || bfbs[6] != 'B' || bfbs[7] != 'S') {
            throw new InvalidFlatBufferException("not a FlatBuffers binary schema (no BFBS identifier)", 4);
        }
        return new FlatBuffersCodec<>(reader, typeOf, json, new PayloadSchema(PayloadSchema.FLATBUFFERS, root, bfbs));
    }

    @Override
    public Optional<PayloadSchema> schema() {
        return Optional.ofNullable(schema);
    }

    @Override
    public R read(MemorySegment payload) throws InvalidPayloadException {
        try {
            R root = reader.read(payload);
            FlatBufferReader.read(() -> typeOf.applyAsInt(root)); // what routing will read must be readable now
            return root;
        } catch (InvalidFlatBufferException e) {
            throw new FlatBufferPayloadException(e);
        } catch (IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException e) {
            // a verifier or accessor outside FlatBufferReader.read tripped: still this message's error
            throw new FlatBufferPayloadException(new InvalidFlatBufferException("unreadable FlatBuffer: " + e, e));
        }
    }

    @Override
    public int typeOf(R root) {
        try {
            return FlatBufferReader.read(() -> typeOf.applyAsInt(root));
        } catch (InvalidFlatBufferException e) {
            return UNREADABLE_TYPE;
        }
    }

    @Override
    public String toJson(R root) {
        if (json == null) {
            return Codec.super.toJson(root);
        }
        try {
            return json.apply(root);
        } catch (InvalidFlatBufferException e) {
            return "{\"invalid\":\"" + e.getMessage().replace("\\", "\\\\").replace("\"", "'") + "\"}";
        }
    }
}
