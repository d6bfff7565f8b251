package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException;

/**
 * Something in shared memory could not be done. The set is closed so callers can handle every case: a handle that
 * names nothing valid ({@link InvalidHandleException} and its kinds), an arena over its byte quota, an arena out of
 * slots or segments, a lock in shared memory held past its timeout, an operation this process may not do, or a kernel
 * call that failed. Unchecked, as every {@link Ipc4jException} is.
 */
public abstract sealed class ShmException extends Ipc4jException
        permits InvalidHandleException, ShmQuotaExceededException, ShmCapacityException, ShmAccessException,
        ShmIoException, ShmTimeoutException {
    private static final long serialVersionUID = 1L;

    ShmException(String message) {
        super(message, null);
    }

    ShmException(String message, Throwable cause) {
        super(message, cause);
    }
}
