package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/** This process may not do that here, e.g. allocate in another process's owned arena. */
public final class ShmAccessException extends ShmException {
    private static final long serialVersionUID = 1L;

    ShmAccessException(String message) {
        super(message);
    }

    @Override
    public Category category() {
        return Category.ACCESS_DENIED;
    }
}
