package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/** The session has ended (see {@link Session#ended()} for how); nothing more can be done with it. */
public final class SessionClosedException extends SessionException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}, caused by {@code cause}. */
    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
