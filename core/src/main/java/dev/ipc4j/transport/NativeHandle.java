package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import java.io.IOException;

/**
 * A file descriptor that travels with a message (Flow-IPC's native handle): whoever holds this object owns the
 * descriptor and closes it.
 */
public final class NativeHandle implements AutoCloseable {
    private final Fd fd;

    NativeHandle(Fd fd) {
        this.fd = fd;
    }

    /** Takes ownership of a descriptor number this process holds. */
    public static NativeHandle adopt(int fd) {
        return new NativeHandle(Fd.adopt(fd));
    }

    /**
     * The descriptor number, still owned by this handle.
     *
     * @throws IllegalStateException once the handle is closed or released (a use after close is a bug, not an I/O error)
     */
    public int fd() {
        try {
            return fd.get();
        } catch (ErrnoException e) {
            throw new IllegalStateException("the handle is closed: " + this, e);
        }
    }

    /**
     * Hands the descriptor over to the caller, who must close it; this handle is closed afterwards.
     *
     * @throws IllegalStateException once the handle is closed or released
     */
    public int release() {
        try {
            return fd.release();
        } catch (ErrnoException e) {
            throw new IllegalStateException("the handle is closed: " + this, e);
        }
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    Fd descriptor() {
        return fd;
    }

    /**
     * Closes the descriptor; idempotent. The number is released even when {@code close(2)} reports an error, which is
     * then thrown (the data written through it may not have reached its file).
     */
    @Override
    public void close() throws IOException {
        fd.close();
    }

    @Override
    public String toString() {
        return "NativeHandle[" + fd + "]";
    }
}
