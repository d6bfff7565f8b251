package dev.ipc4j.transport;

import dev.ipc4j.Ipc4jException.Category;

/**
 * The peer sent something that breaks the wire format: a corrupted length, a record that points outside the ring, an
 * unknown type, an unsupported version. The pipe closes; nothing outside the shared mapping is ever read.
 */
public final class ProtocolException extends TransportException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public ProtocolException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.PROTOCOL_VIOLATION;
    }
}
