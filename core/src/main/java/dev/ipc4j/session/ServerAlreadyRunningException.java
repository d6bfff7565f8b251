package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/** Another process already serves this server app (it holds the app's lock in the run directory). */
public final class ServerAlreadyRunningException extends SessionException {
    private static final long serialVersionUID = 1L;

    private final long pid;

    /** An error with detail {@code message}, {@code pid}. */
    public ServerAlreadyRunningException(String message, long pid) {
        super(message, null);
        this.pid = pid;
    }

    /** The running server's pid as its pid file says, or -1 if it could not be read. */
    public long pid() {
        return pid;
    }

    @Override
    public Category category() {
        return Category.ALREADY_RUNNING;
    }
}
