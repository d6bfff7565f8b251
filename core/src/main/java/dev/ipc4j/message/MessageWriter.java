package dev.ipc4j.message;

import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.NativeHandle;
import dev.ipc4j.transport.RingPipe;
import dev.ipc4j.transport.TransportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Writes frames ({@link Wire}) onto a channel: a payload in shared memory goes as a handle when the channel has a
 * ring (its block held for the peer until it has borrowed it, see {@link InTransit}), anything else inline. Thread-safe: the pipes' sends are; an inline {@link OutMessage}'s header room is
 * written under the message's lock; descriptor pairs are sent under {@link #descriptorSendLock}.
 */
final class MessageWriter {
    private final Session session;
    private final Channel channel;
    /** Held while a ring frame announcing descriptors and their socket frame are sent, so both pipes keep one order. */
    private final Object descriptorSendLock = new Object();
    private final InTransit inTransit; // null without a ring

    MessageWriter(Session session, Channel channel) {
        this.session = session;
        this.channel = channel;
        this.inTransit = channel.hasRing() ? new InTransit((RingPipe) channel.blobs()) : null;
    }

    /** Releases the holds on blocks the peer has borrowed by now (the reader calls this as it goes). */
    void releaseConsumed() {
        if (inTransit != null) {
            inTransit.releaseConsumed();
        }
    }

    /** Frames whose block this side still holds for the peer. */
    int inTransit() {
        return inTransit == null ? 0 : inTransit.size();
    }

    /** The channel has ended: no hold is needed any more. */
    void close() {
        if (inTransit != null) {
            inTransit.close();
        }
    }

    /** Sends one frame; {@code out} is null for the kinds without payload. */
    void write(Kind kind, OutMessage out, long id, long inResponseTo) throws TransportException {
        if (out == null) {
            MemorySegment frame = MemorySegment.ofArray(new byte[Wire.HEADER]);
            Wire.writeHeader(frame, kind, 0, id, inResponseTo, 0, 0, 0, 0);
            channel.blobs().send(frame);
            return;
        }
        out.ensureOpen();
        List<NativeHandle> fds = out.handles();
        int flags = fds.isEmpty() ? 0 : Wire.HAS_FDS;
        long length = out.length();
        if (out.isShared() && channel.hasRing()) {
            SessionHandle handle = session.lend(out.block());
            MemorySegment frame = MemorySegment.ofArray(new byte[Wire.SHM_FRAME]);
            Wire.writeHeader(frame, kind, flags | Wire.SHM, id, inResponseTo, out.type(), fds.size(), out.offset(), length);
            handle.writeTo(frame, Wire.HEADER);
            Lease hold = session.borrow(handle); // this side's own hold until the peer has borrowed
            try {
                send(frame, fds, id);
            } catch (TransportException | RuntimeException e) {
                hold.close();
                throw e;
            }
            inTransit.hold(hold, ((RingPipe) channel.blobs()).sentPosition());
        } else if (out.frame() != null) {
            synchronized (out) { // the header room in front of the payload is shared by every send of it
                Wire.writeHeader(out.frame(), kind, flags, id, inResponseTo, out.type(), fds.size(), 0, length);
                send(out.frame().asSlice(0, Wire.HEADER + length), fds, id);
            }
        } else {
            // A shared-memory payload over a channel without a ring: copied into the frame.
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment frame = arena.allocate(Wire.HEADER + length, 16);
                Wire.writeHeader(frame, kind, flags, id, inResponseTo, out.type(), fds.size(), 0, length);
                MemorySegment.copy(out.block().memory(), out.offset(), frame, Wire.HEADER, length);
                send(frame, fds, id);
            }
        }
    }

    /**
     * Descriptors ride on the frame itself over a socket; with a ring they go first in a frame of their own on the
     * socket.
     */
    private void send(MemorySegment frame, List<NativeHandle> fds, long id) throws TransportException {
        if (fds.isEmpty()) {
            channel.blobs().send(frame);
        } else if (!channel.hasRing()) {
            channel.handles().send(frame, fds.toArray(NativeHandle[]::new));
        } else {
            MemorySegment announce = MemorySegment.ofArray(new byte[Wire.FD_FRAME]);
            Wire.writeFdFrame(announce, fds.size(), id);
            synchronized (descriptorSendLock) {
                channel.handles().send(announce, fds.toArray(NativeHandle[]::new));
                channel.blobs().send(frame);
            }
        }
    }
}
