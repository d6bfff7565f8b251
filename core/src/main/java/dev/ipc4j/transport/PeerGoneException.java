package dev.ipc4j.transport;

import dev.ipc4j.Ipc4jException.Category;

/**
 * The peer process died, hung past the idle timeout, or dropped the connection without ending it. Messages it had
 * fully sent before are still delivered first.
 */
public final class PeerGoneException extends TransportException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public PeerGoneException(String message) {
        super(message, null);
    }

    /** An error with detail {@code message}, caused by {@code cause}. */
    public PeerGoneException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.PEER_GONE;
    }
}
