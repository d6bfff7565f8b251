package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/** The peer did not answer in time (a log-in, or a channel request); the session, if there is one, goes on. */
public final class SessionTimeoutException extends SessionException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public SessionTimeoutException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.TIMEOUT;
    }
}
