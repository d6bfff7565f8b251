package dev.ipc4j.shm;

/**
 * Something in shared memory could not be done. The set is closed so callers can handle every case: a handle that
 * names nothing valid ({@link InvalidHandleException} and its kinds), an arena over its byte quota, an arena out of
 * slots or segments, an operation this process may not do, or a kernel call that failed.
 *
 * <p>Unchecked, because it comes from hot paths (allocate, borrow) where the common outcome is success.
 */
public sealed class ShmException extends RuntimeException
        permits InvalidHandleException, ShmQuotaExceededException, ShmCapacityException, ShmAccessException,
        ShmIoException {
    private static final long serialVersionUID = 1L;

    ShmException(String message) {
        super(message);
    }

    ShmException(String message, Throwable cause) {
        super(message, cause);
    }
}
