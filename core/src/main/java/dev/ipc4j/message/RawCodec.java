package dev.ipc4j.message;

import java.lang.foreign.MemorySegment;

/**
 * Raw payloads: the root is the payload segment itself, and the type is the int tag the sender chose
 * ({@link OutMessage#type()}), carried in the header.
 */
public final class RawCodec implements Codec<MemorySegment> {
    /** The one instance: the codec has no state. */
    public static final RawCodec INSTANCE = new RawCodec();

    private RawCodec() {}

    @Override
    public MemorySegment read(MemorySegment payload) {
        return payload;
    }

    /** Unknown from the bytes alone: {@link InMessage#type()} is the type of a raw message. */
    @Override
    public int typeOf(MemorySegment root) {
        throw new UnsupportedOperationException("a raw payload's type is in its header: use InMessage.type()");
    }

    @Override
    public boolean typeInPayload() {
        return false;
    }

    @Override
    public String toJson(MemorySegment root) {
        return "{\"bytes\":" + root.byteSize() + "}";
    }
}
