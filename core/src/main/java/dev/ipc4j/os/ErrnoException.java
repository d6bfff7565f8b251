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
    /** Made on first read: glibc's names are a downcall of their own, linked on first use (see {@link Libc}). */
    private transient volatile String message;

    public ErrnoException(String call, int errno) {
        super(call);
        this.call = call;
        this.errno = errno;
    }

    /**
     * Made when first asked for: many errors (EAGAIN on a full socket, ENOENT on a server not yet up) are handled and
     * never printed, and a fresh JVM would otherwise link glibc's name functions to describe each.
     */
    @Override
    public String getMessage() {
        String m = message;
        if (m == null) {
            m = call + ": " + Errno.name(errno) + " (" + Errno.description(errno) + ")";
            message = m;
        }
        return m;
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
