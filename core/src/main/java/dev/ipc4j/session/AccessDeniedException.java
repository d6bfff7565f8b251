package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A log-in the server refused, or a server the client refused to trust; {@link #reason()} says which check failed
 * and the message says what was expected and what was found, so a refused program can print it as it is.
 */
public final class AccessDeniedException extends SessionException {
    private static final long serialVersionUID = 1L;

    /** Which check failed. */
    public enum Reason {
        /** The client named an app the server does not know. */
        UNKNOWN_APP,
        /** The app is known but not among those the server allows. */
        APP_NOT_ALLOWED,
        /** The pid, uid or gid the client claimed differ from what the kernel reports for its socket. */
        CREDENTIALS_MISMATCH,
        /** The process runs as another uid or gid than its app's description requires. */
        WRONG_USER,
        /** The process runs another executable than its app's description requires. */
        WRONG_EXECUTABLE,
        /** The two sides share no protocol version. */
        VERSION_MISMATCH,
        /** The client asked for another server app than the one listening there. */
        WRONG_SERVER,
        /** The server already serves as many sessions as it may. */
        SERVER_FULL,
        /** The log-in message was malformed. */
        MALFORMED_LOGIN
    }

    private final Reason reason;

    /** An error with detail {@code message}, {@code reason}. */
    public AccessDeniedException(Reason reason, String message) {
        super(message, null);
        this.reason = reason;
    }

    /** Which check failed. */
    public Reason reason() {
        return reason;
    }

    @Override
    public Category category() {
        return Category.ACCESS_DENIED;
    }
}
