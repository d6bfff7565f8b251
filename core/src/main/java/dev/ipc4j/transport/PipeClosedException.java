package dev.ipc4j.transport;

import dev.ipc4j.Ipc4jException.Category;

/** This side closed the pipe (or the peer stopped receiving), so the call cannot proceed. */
public final class PipeClosedException extends TransportException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public PipeClosedException(String message) {
        super(message, null);
    }

    /** An error with detail {@code message}, caused by {@code cause}. */
    public PipeClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
