package dev.ipc4j.shm;

/** The handle's generation is not the block's current one: the block was freed (and perhaps reused) meanwhile. */
public final class StaleHandleException extends InvalidHandleException {
    private static final long serialVersionUID = 1L;

    StaleHandleException(String message, ShmHandle handle) {
        super(message, handle);
    }
}
