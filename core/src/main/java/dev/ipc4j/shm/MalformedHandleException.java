package dev.ipc4j.shm;

/** Bytes that are not a serialized {@link ShmHandle} (wrong magic, too short). */
public final class MalformedHandleException extends InvalidHandleException {
    public MalformedHandleException(String message) {
        super(message, null);
    }
}
