package dev.ipc4j.transport;

/** This side closed the pipe (or the peer stopped receiving), so the call cannot proceed. */
public final class PipeClosedException extends TransportException {
    private static final long serialVersionUID = 1L;

    public PipeClosedException(String message) {
        super(message, null);
    }

    public PipeClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
