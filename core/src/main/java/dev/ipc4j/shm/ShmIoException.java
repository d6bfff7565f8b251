package dev.ipc4j.shm;

import java.io.IOException;

/** A kernel call failed (creating, opening or mapping a segment); the cause says which and why. */
public final class ShmIoException extends ShmException {
    private static final long serialVersionUID = 1L;

    public ShmIoException(String message, IOException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }
}
