package dev.ipc4j.os;

import java.io.IOException;

/**
 * A system call failed. The message names the call (with what it acted on), the errno's symbolic name and the
 * kernel's description, e.g. {@code connect(/run/x.sock): ECONNREFUSED (Connection refused)}.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;

    public ErrnoException(String call, int errno) {
        super(call + ": " + Errno.name(errno) + " (" + Errno.description(errno) + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The failed call with its subject, e.g. {@code "shm_open(ipc4j.cache.1)"}. */
    public String call() {
        return call;
    }

    /** The errno the call reported, e.g. {@link Errno#ENOENT}. */
    public int errno() {
        return errno;
    }
}
