package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A received frame broke the message protocol: a header field, an offset or length, a handle or the descriptors that
 * should come with it did not check out. Nothing of it was read beyond the check that failed.
 */
public final class MalformedMessageException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public MalformedMessageException(String message) {
        super(message, null);
    }

    /** An error with detail {@code message}, caused by {@code cause}. */
    public MalformedMessageException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.PROTOCOL_VIOLATION;
    }
}
