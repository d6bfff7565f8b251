package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A payload did not verify: its codec rejected it (bad offsets inside a FlatBuffer, a truncated protobuf, ...) or its
 * decoded type disagreed with the type in its header. Codec modules extend this class with their own detail; by
 * default the channel reports it like a malformed frame and closes (see {@link MessageChannel.Config}).
 */
public non-sealed class InvalidPayloadException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public InvalidPayloadException(String message) {
        super(message, null);
    }

    /** An error with detail {@code message}, caused by {@code cause}. */
    public InvalidPayloadException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public final Category category() {
        return Category.INVALID_PAYLOAD;
    }
}
