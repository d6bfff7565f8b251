package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException;


/** Why a session could not be opened, or why an operation on one failed; the set is closed, so a switch covers it. */
public abstract sealed class SessionException extends Ipc4jException
        permits AccessDeniedException, ServerNotRunningException, ServerAlreadyRunningException,
                ChannelRefusedException, SessionTimeoutException, SessionClosedException {
    private static final long serialVersionUID = 1L;

    SessionException(String message, Throwable cause) {
        super(message, cause);
    }
}
