package dev.ipc4j.shm;

/** The handle's segment id names no segment of this arena (never created, or already released). */
public final class UnknownSegmentException extends InvalidHandleException {
    private static final long serialVersionUID = 1L;

    UnknownSegmentException(String message, ShmHandle handle) {
        super(message, handle);
    }
}
