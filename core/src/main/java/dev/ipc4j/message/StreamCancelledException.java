package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A streamed response was cancelled: on the requester's side, by its own {@link StreamCall#cancel()}; on the
 * responder's side, {@link ResponseStream#send} after the requester cancelled.
 */
public final class StreamCancelledException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public StreamCancelledException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.CANCELLED;
    }
}
