package dev.ipc4j.protobuf;

import dev.ipc4j.message.InvalidPayloadException;

/**
 * A protobuf payload a {@link ProtobufCodec} rejected (not a message of the channel's type, or past its
 * {@link ParseLimits}), as the message layer's typed error. It wraps this module's unchecked
 * {@link InvalidProtobufException} (kept as the cause) because the message layer's error is a checked, sealed family;
 * {@link ShmProtobuf#parse} stays unchecked for its own callers.
 */
public final class ProtobufPayloadException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;

    /** The message layer's form of {@code cause}, a payload that did not parse. */
    public ProtobufPayloadException(InvalidProtobufException cause) {
        super(cause.getMessage(), cause);
    }
}
