package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * No response within the time a blocking request allowed. The request stays answered-to on the peer's side: a response
 * arriving later is an unexpected response, reported on both sides.
 */
public final class MessageTimeoutException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public MessageTimeoutException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.TIMEOUT;
    }
}
