package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;

/** A raw socket that speaks (or pretends to speak) the socket pipe's wire format, byte by byte as a test says. */
final class HostilePeer implements AutoCloseable {
    final UnixSocket raw;
    final UnixSocket ours;
    private final Arena arena = Arena.ofConfined();

    HostilePeer() throws ErrnoException {
        UnixSocket[] pair = UnixSocket.pair();
        ours = pair[0];
        raw = pair[1];
    }

    static MemorySegment hello(Arena arena, int magic, int minVersion, int maxVersion, long maxMessage) {
        MemorySegment h = arena.allocate(Frame.HEADER + Frame.HELLO_SIZE);
        Frame.writeHeader(h, 0, Frame.HELLO_SIZE, Frame.HELLO, 0);
        h.set(ValueLayout.JAVA_INT_UNALIGNED, Frame.HEADER, magic);
        h.set(ValueLayout.JAVA_SHORT_UNALIGNED, Frame.HEADER + 4, (short) minVersion);
        h.set(ValueLayout.JAVA_SHORT_UNALIGNED, Frame.HEADER + 6, (short) maxVersion);
        h.set(ValueLayout.JAVA_LONG_UNALIGNED, Frame.HEADER + 8, maxMessage);
        return h;
    }

    HostilePeer writeHello() throws ErrnoException {
        return write(hello(arena, Frame.HELLO_MAGIC, Frame.VERSION, Frame.VERSION, 1 << 20));
    }

    HostilePeer write(MemorySegment bytes) throws ErrnoException {
        if (bytes.byteSize() > 0) {
            MemorySegment native_ = arena.allocate(bytes.byteSize());
            MemorySegment.copy(bytes, 0, native_, 0, bytes.byteSize());
            raw.sendFully(native_);
        }
        return this;
    }

    /** Writes {@code bytes} in one send with {@code fds} riding on their first byte (the kernel duplicates them). */
    HostilePeer writeWithFds(MemorySegment bytes, Fd... fds) throws ErrnoException {
        MemorySegment native_ = arena.allocate(bytes.byteSize());
        MemorySegment.copy(bytes, 0, native_, 0, bytes.byteSize());
        long sent = raw.send(native_, 0, native_.byteSize(), false, fds);
        if (sent < native_.byteSize()) {
            MemorySegment rest = native_.asSlice(sent);
            raw.sendFully(rest);
        }
        return this;
    }

    /** A frame header alone, with {@code fds} riding on it. */
    HostilePeer frameWithFds(long length, int type, int claimed, Fd... fds) throws ErrnoException {
        MemorySegment h = arena.allocate(Frame.HEADER);
        Frame.writeHeader(h, 0, length, type, claimed);
        return writeWithFds(h, fds);
    }

    HostilePeer write(byte[] bytes) throws ErrnoException {
        return write(MemorySegment.ofArray(bytes));
    }

    /** A frame header with whatever fields the test wants. */
    HostilePeer frame(long length, int type, int flags, int fds) throws ErrnoException {
        MemorySegment h = arena.allocate(Frame.HEADER);
        h.set(ValueLayout.JAVA_INT_UNALIGNED, 0, (int) length);
        h.set(ValueLayout.JAVA_BYTE, 4, (byte) type);
        h.set(ValueLayout.JAVA_BYTE, 5, (byte) flags);
        h.set(ValueLayout.JAVA_SHORT_UNALIGNED, 6, (short) fds);
        return write(h);
    }

    /** No more bytes from the hostile side: the pipe sees end of stream after what was written. */
    HostilePeer end() throws ErrnoException {
        raw.shutdownOutput();
        return this;
    }

    /** Drains what our side sent, so our sends never block on a peer that does not read. */
    void drain() throws ErrnoException {
        MemorySegment sink = arena.allocate(64 * 1024);
        while (raw.receive(sink, 0, sink.byteSize(), new ArrayList<>(), true) > 0) {
            // discard
        }
    }

    @Override
    public void close() throws ErrnoException {
        raw.close();
        ours.close();
        arena.close();
    }
}
