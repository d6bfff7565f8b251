package dev.ipc4j.shm;

import java.util.Objects;

/**
 * A handle (perhaps forged, perhaps merely late) that does not name a live block this process may read. Thrown instead
 * of touching memory the handle points at: resolving validates everything before any access. One type for every way a
 * handle can be wrong, since a caller handles them alike (drop the message, perhaps end the peer's session);
 * {@link #reason()} says which, for logs and tests.
 */
public final class InvalidHandleException extends ShmException {
    private static final long serialVersionUID = 1L;

    /** How the handle was wrong. */
    public enum Reason {
        /** Bytes that are not a serialized handle (wrong magic, too short), or a handle this peer was never lent. */
        MALFORMED,
        /** The segment it names does not exist in the arena. */
        UNKNOWN_SEGMENT,
        /** It reaches outside its segment or its block. */
        OUT_OF_RANGE,
        /** Its generation is not the block's current one: the block was freed (and perhaps reused) meanwhile. */
        STALE
    }

    private final Reason reason;
    private final transient ShmHandle handle;

    /**
     * An invalid handle; {@code handle} is null when the bytes did not even make one.
     *
     * @param reason how it was wrong
     * @param message what was found, for the log
     * @param handle the offending handle, or null
     */
    public InvalidHandleException(Reason reason, String message, ShmHandle handle) {
        super(message + (handle == null ? "" : ": " + handle));
        this.reason = Objects.requireNonNull(reason, "reason");
        this.handle = handle;
    }

    /** A {@link Reason#MALFORMED} handle: bytes that make no handle, or one never lent to this peer. */
    public static InvalidHandleException malformed(String message) {
        return new InvalidHandleException(Reason.MALFORMED, message, null);
    }

    static InvalidHandleException unknownSegment(String message, ShmHandle handle) {
        return new InvalidHandleException(Reason.UNKNOWN_SEGMENT, message, handle);
    }

    static InvalidHandleException outOfRange(String message, ShmHandle handle) {
        return new InvalidHandleException(Reason.OUT_OF_RANGE, message, handle);
    }

    static InvalidHandleException stale(String message, ShmHandle handle) {
        return new InvalidHandleException(Reason.STALE, message, handle);
    }

    /** How the handle was wrong. */
    public Reason reason() {
        return reason;
    }

    /** The offending handle, or null when the bytes did not even make one. */
    public ShmHandle handle() {
        return handle;
    }

    @Override
    public Category category() {
        return Category.INVALID_HANDLE;
    }
}
