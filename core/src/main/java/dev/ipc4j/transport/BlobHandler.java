package dev.ipc4j.transport;

/** Receives messages from a pipe, on the thread that polls it. */
@FunctionalInterface
public interface BlobHandler {
    /** One message; {@code blob} is only valid until this method returns (copy what must outlive it). */
    void onBlob(BlobView blob);
}
