package dev.ipc4j.shm;

/** Bytes that are not a serialized {@link ShmHandle} (wrong magic, too short). */
public final class MalformedHandleException extends InvalidHandleException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public MalformedHandleException(String message) {
        super(message, null);
    }
}
