package dev.ipc4j.message;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * How a channel's payloads are read: one schema per channel (for FlatBuffers, a root table whose union routes each
 * message). The SPI is small on purpose so that codec modules (flatbuffers, protobuf) fit it without copying.
 *
 * <p>Routing uses the 32-bit type in each message's header, which the sender sets ({@link OutMessage#type()}). When
 * the type is also inside the payload ({@link #typeInPayload()}), decoding a root checks that the two agree, so a
 * forged header cannot send a message to the wrong handler.
 *
 * @param <R> the decoded root: a view of the payload memory, never a copy
 */
public interface Codec<R> {
    /**
     * Verifies {@code payload} and returns a root that reads it in place. {@code payload} is read-only and may be in
     * shared memory the peer also maps: verify every offset before following it.
     */
    R read(MemorySegment payload) throws InvalidPayloadException;

    /** The routing type of a decoded root (e.g. a FlatBuffers union's type). */
    int typeOf(R root);

    /** Whether {@link #typeOf} can tell a root's type; false when the header's type is the only one (raw payloads). */
    default boolean typeInPayload() {
        return true;
    }

    /**
     * What this codec's payloads are, for tools that render them without the application's classes (the message tap's
     * observers, {@code ipc4j inspect}); empty (the default) when it cannot say, and then they see bytes. Called
     * rarely, never on the hot path; must not throw.
     */
    default Optional<PayloadSchema> schema() {
        return Optional.empty();
    }

    /** A readable rendering of a root, for logs and tools; by default just its type. */
    default String toJson(R root) {
        return "{\"type\":" + typeOf(root) + "}";
    }
}
