package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/** The peer refused a channel this side asked for; the session goes on. */
public final class ChannelRefusedException extends SessionException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public ChannelRefusedException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.REFUSED;
    }
}
