package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/** A kernel call failed (creating, opening or mapping a segment); the cause says which and why. */
public final class ShmIoException extends ShmException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}, caused by {@code cause}. */
    public ShmIoException(String message, Exception cause) {
        super(message + ": " + cause.getMessage(), cause);
    }

    @Override
    public Category category() {
        return Category.IO;
    }
}
