package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * The message channel is over: closed here, ended by the peer, or stopped by an error. When the peer died or hung the
 * cause is the transport's {@code PeerGoneException}; when a malformed message stopped it, the cause is the
 * {@link MalformedMessageException} or {@link InvalidPayloadException}.
 */
public final class ChannelClosedException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}, caused by {@code cause}. */
    public ChannelClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
