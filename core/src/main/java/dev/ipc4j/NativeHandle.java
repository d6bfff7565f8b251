package dev.ipc4j;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import java.io.IOException;

/**
 * A file descriptor owned by whoever holds this object, who closes it: one that travels with a message (Flow-IPC's
 * native handle), or one that shares an arena's shared memory with another process. Every layer speaks of descriptors
 * through this type, so none of them needs another's internals: a layer that only reads the number for a call borrows
 * it ({@link #fd()}), one that keeps the descriptor takes it over ({@link #release()}).
 */
public final class NativeHandle implements AutoCloseable {
    private final Fd fd;

    private NativeHandle(Fd fd) {
        this.fd = fd;
    }

    /** Takes ownership of a descriptor number this process holds. */
    public static NativeHandle adopt(int fd) {
        return new NativeHandle(Fd.adopt(fd));
    }

    /**
     * The descriptor number, still owned by this handle: valid while the handle stays open.
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
