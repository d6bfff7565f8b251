package dev.ipc4j.flatbuffers;

import dev.ipc4j.message.InvalidPayloadException;

/**
 * A FlatBuffer payload a {@link FlatBuffersCodec} rejected, as the message layer's typed error: the channel reports it
 * like any invalid payload ({@link dev.ipc4j.message.MessageChannel.Config#closeOnInvalidMessage()}).
 *
 * <p>Why a wrapper and not {@link InvalidFlatBufferException} itself: the message layer's error is a checked
 * {@code IOException} (a sealed family callers {@code switch} over), while this module's is unchecked, because it is
 * thrown from inside generated accessors and {@code Supplier}s ({@link FlatBufferReader#read}). Making it checked
 * would break every accessor call site; so the codec wraps it, keeping it as the cause and its byte position here.
 */
public final class FlatBufferPayloadException extends InvalidPayloadException {
    private static final long serialVersionUID = 1L;

    private final long position;

    /** The message layer's form of {@code cause}, a payload that failed verification. */
    public FlatBufferPayloadException(InvalidFlatBufferException cause) {
        super(cause.getMessage(), cause);
        this.position = cause.position();
    }

    /** The byte of the payload where the problem was found, or -1 when not known. */
    public long position() {
        return position;
    }
}
