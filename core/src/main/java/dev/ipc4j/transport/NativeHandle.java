package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;

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

    /** The descriptor number; throws once closed. */
    public int fd() throws ErrnoException {
        return fd.get();
    }

    /** Hands the descriptor over to the caller, who must close it; this handle is closed afterwards. */
    public int release() throws ErrnoException {
        return fd.release();
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    Fd descriptor() {
        return fd;
    }

    @Override
    public void close() throws ErrnoException {
        fd.close();
    }

    @Override
    public String toString() {
        return "NativeHandle[" + fd + "]";
    }
}
