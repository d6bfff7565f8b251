package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A lock in shared memory stayed held past the arena's lock timeout: a process holding it hangs, or died in a way the
 * lock could not see. Apart from {@link ShmCapacityException}, which it used to be, because the remedy differs: a
 * timeout may pass, a full arena will not.
 */
public final class ShmTimeoutException extends ShmException {
    private static final long serialVersionUID = 1L;

    ShmTimeoutException(String message) {
        super(message);
    }

    @Override
    public Category category() {
        return Category.TIMEOUT;
    }
}
