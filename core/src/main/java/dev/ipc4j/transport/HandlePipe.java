package dev.ipc4j.transport;

import dev.ipc4j.NativeHandle;
import java.lang.foreign.MemorySegment;

/** A {@link BlobPipe} that can also carry file descriptors with each message. */
public sealed interface HandlePipe extends BlobPipe permits SocketPipe {
    /** Sends a copy of {@code message} with {@code handles} attached; the caller keeps its own descriptors. */
    void send(MemorySegment message, NativeHandle... handles) throws TransportException;

    /** Who the peer is, as the kernel saw it at connect time. */
    PeerIdentity peer();
}
