package dev.ipc4j.transport;

import dev.ipc4j.Ipc4jException.Category;

/** This side closed the pipe (or the peer stopped receiving), so the call cannot proceed. */
public final class PipeClosedException extends TransportException {
    private static final long serialVersionUID = 1L;

    public PipeClosedException(String message) {
        super(message, null);
    }

    public PipeClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
