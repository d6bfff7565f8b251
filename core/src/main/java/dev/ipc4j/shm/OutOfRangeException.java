package dev.ipc4j.shm;

/** The handle's offset or length reaches outside its segment or its block. */
public final class OutOfRangeException extends InvalidHandleException {
    private static final long serialVersionUID = 1L;

    OutOfRangeException(String message, ShmHandle handle) {
        super(message, handle);
    }
}
