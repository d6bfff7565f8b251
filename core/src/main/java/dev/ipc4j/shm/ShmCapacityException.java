package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/** The arena's fixed tables are full (blocks, segments or process slots), or a request is larger than any block. */
public final class ShmCapacityException extends ShmException {
    private static final long serialVersionUID = 1L;

    ShmCapacityException(String message) {
        super(message);
    }

    @Override
    public Category category() {
        return Category.CAPACITY;
    }
}
