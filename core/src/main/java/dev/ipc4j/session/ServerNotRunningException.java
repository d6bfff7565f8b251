package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/** No server of the app is running where the client looked (no pid file, a dead pid, or nobody on the socket). */
public final class ServerNotRunningException extends SessionException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}, caused by {@code cause}. */
    public ServerNotRunningException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.NOT_RUNNING;
    }
}
