package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A handle (perhaps forged, perhaps merely late) that does not name a live block this process may read. Thrown instead
 * of touching memory the handle points at: resolving validates everything before any access.
 */
public sealed class InvalidHandleException extends ShmException
        permits MalformedHandleException, UnknownSegmentException, OutOfRangeException, StaleHandleException {
    private static final long serialVersionUID = 1L;

    private final transient ShmHandle handle;

    InvalidHandleException(String message, ShmHandle handle) {
        super(message + (handle == null ? "" : ": " + handle));
        this.handle = handle;
    }

    /** The offending handle, or null when the bytes did not even make one. */
    public ShmHandle handle() {
        return handle;
    }

    @Override
    public final Category category() {
        return Category.INVALID_HANDLE;
    }
}
