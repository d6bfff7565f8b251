package dev.ipc4j.bench.demo;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The copied baseline's byte moving, the classic way: the sender writes every byte into a Unix stream socket, the
 * receiver reads them all into its own buffer, both with blocking sockets (a thread sleeps in read/write until it can
 * go on). Buffers may exceed what one {@link ByteBuffer} can view, so they go in chunks of 1 GiB.
 */
final class SocketCopy {
    private static final long CHUNK = 1L << 30;

    private SocketCopy() {}

    static void writeAll(SocketChannel socket, MemorySegment from) throws IOException {
        for (long at = 0; at < from.byteSize(); at += CHUNK) {
            ByteBuffer buffer = from.asSlice(at, Math.min(CHUNK, from.byteSize() - at)).asByteBuffer();
            while (buffer.hasRemaining()) {
                socket.write(buffer);
            }
        }
    }

    static void readFully(SocketChannel socket, MemorySegment into) throws IOException {
        for (long at = 0; at < into.byteSize(); at += CHUNK) {
            ByteBuffer buffer = into.asSlice(at, Math.min(CHUNK, into.byteSize() - at)).asByteBuffer();
            while (buffer.hasRemaining()) {
                int n = socket.read(buffer);
                if (n < 0) {
                    throw new EOFException("the peer closed the copy socket before all " + into.byteSize() + " bytes arrived");
                }
            }
        }
    }
}
