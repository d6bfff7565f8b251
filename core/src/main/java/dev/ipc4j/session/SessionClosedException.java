package dev.ipc4j.session;

/** The session has ended (see {@link Session#ended()} for how); nothing more can be done with it. */
public final class SessionClosedException extends SessionException {
    private static final long serialVersionUID = 1L;

    public SessionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
