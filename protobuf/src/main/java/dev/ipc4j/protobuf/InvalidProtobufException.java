package dev.ipc4j.protobuf;

/**
 * Bytes that are not a valid message of the expected type, or that break a parse limit (size, recursion): what
 * {@link ShmProtobuf#parse} throws for anything another process put in shared memory, instead of protobuf's assorted
 * exceptions (memory from another process is data, not truth).
 */
public final class InvalidProtobufException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}, caused by {@code cause} (protobuf's own parse error). */
    public InvalidProtobufException(String message, Throwable cause) {
        super(message, cause);
    }
}
