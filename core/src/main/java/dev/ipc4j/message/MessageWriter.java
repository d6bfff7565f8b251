package dev.ipc4j.message;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.counters.ChannelField;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.session.SessionTap;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.RingPipe;
import dev.ipc4j.transport.TransportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Writes frames ({@link Wire}) onto a channel: a payload in shared memory goes as a handle when the channel has a
 * ring and it is not small (its block held for the peer until it has consumed the frame, see {@link InTransit}),
 * anything else inline.
 *
 * <p>Three ways to send ({@link Mode}): wait for ring room (application threads), try once (an {@code offer}), or defer
 * (the thread that drives the endpoint, e.g. a handler replying: it must never wait for room, since the peer's driver
 * may be waiting for room in our ring at the same time). Deferred frames keep their order, go out first when the
 * driver calls {@link #flush()}, and are bounded; while any wait, the driver's later frames queue behind them.
 *
 * <p>Descriptors travel on the channel's socket in a frame of their own that names the message's id (on a socket-only
 * channel they ride on the message's frame), sent at once in every mode; the reader matches them by id, so a deferred
 * ring frame may follow them late.
 *
 * <p>Thread-safe: the pipes' sends are; the deferred queue is guarded by this object; an inline
 * {@link OutMessage}'s header room is written under the message's lock.
 */
final class MessageWriter {
    /** How a frame goes out when the ring has no room for it now. */
    enum Mode {
        /** Wait for room (as long as the peer lives). */
        WAIT,
        /** Do not send; {@link #write} returns false. */
        TRY,
        /** Queue it (bounded) for {@link #flush()}. */
        DEFER
    }

    /** A frame waiting for ring room: its bytes, and for a shared-memory frame this side's hold on the block. */
    private record Deferred(MemorySegment frame, InTransit.Hold hold) {}

    private final Session session;
    private final Channel channel;
    private final RingPipe ring; // null for a socket-only channel
    private final InTransit inTransit; // null without a ring
    private final int maxDeferred;
    private final long maxDeferredBytes;
    private final long inlineBelow;
    private final CounterRecord counters; // the channel's
    private final long number;            // the endpoint's, for a tap
    private final Codec<?> codec;         // the channel's codec, for a tap
    private final ArrayDeque<Deferred> deferred = new ArrayDeque<>(); // guarded by this
    private long deferredBytes; // guarded by this

    /** {@code inlineBelow}: shared-memory payloads shorter than this are copied into the frame, not lent. */
    MessageWriter(Session session, Channel channel, int maxDeferred, long maxDeferredBytes, long inlineBelow,
            CounterRecord counters, long number, Codec<?> codec) {
        this.session = session;
        this.counters = counters;
        this.number = number;
        this.codec = codec;
        this.channel = channel;
        this.ring = channel.ring().orElse(null);
        this.inTransit = ring != null ? new InTransit(ring) : null;
        this.maxDeferred = maxDeferred;
        this.maxDeferredBytes = maxDeferredBytes;
        this.inlineBelow = inlineBelow;
    }

    /** Releases the holds on blocks the peer has consumed by now (the driver calls this every cycle). */
    int releaseConsumed() {
        return inTransit == null ? 0 : inTransit.releaseConsumed();
    }

    /** Frames whose block this side still holds for the peer. */
    int inTransit() {
        return inTransit == null ? 0 : inTransit.size();
    }

    /** Frames waiting for ring room. */
    synchronized int deferred() {
        return deferred.size();
    }

    /** Whether the deferred queue is at its bound (the driver then stops reading: back-pressure to the peer). */
    synchronized boolean deferredFull() {
        return deferred.size() >= maxDeferred || deferredBytes >= maxDeferredBytes;
    }

    /** Sends deferred frames while the ring has room; returns how many went. */
    int flush() throws TransportException {
        int sent = 0;
        while (true) {
            Deferred d;
            synchronized (this) {
                d = deferred.peek();
                if (d == null) {
                    return sent;
                }
                if (!channel.blobs().trySend(d.frame())) {
                    return sent;
                }
                deferred.poll();
                deferredBytes -= d.frame().byteSize();
                if (d.hold() != null) {
                    inTransit.hold(d.hold(), ring.sentPosition());
                }
            }
            sent++;
        }
    }

    /** The channel has ended: no hold is needed any more, deferred frames are dropped. */
    void close() {
        synchronized (this) {
            for (Deferred d : deferred) {
                if (d.hold() != null) {
                    d.hold().release();
                }
            }
            deferred.clear();
            deferredBytes = 0;
        }
        if (inTransit != null) {
            inTransit.close();
        }
    }

    /**
     * Sends one frame; {@code out} is null for the kinds without payload; {@code extraFlags} go into FLAGS (a call
     * frame's PEER_CALL).
     *
     * @return false only in {@link Mode#TRY}, when the ring had no room (nothing was sent)
     * @throws BackPressureException in {@link Mode#DEFER} when the deferred queue is full
     */
    boolean write(Kind kind, OutMessage out, long id, long inResponseTo, Mode mode, int extraFlags)
            throws TransportException, BackPressureException {
        boolean sent;
        try {
            sent = writeFrame(kind, out, id, inResponseTo, mode, extraFlags);
        } catch (BackPressureException e) {
            counters.add(ChannelField.BACK_PRESSURED, 1);
            throw e;
        }
        if (!sent) {
            counters.add(ChannelField.BACK_PRESSURED, 1);
        } else if (out != null) {
            long length = out.length();
            counters.add(ChannelField.MESSAGES_OUT, 1);
            counters.add(ChannelField.BYTES_OUT, length);
            if (out.isShared() && ring != null && length >= inlineBelow) {
                counters.add(ChannelField.LENT_OUT, 1);
            }
            SessionTap tap = session.tap();
            if (tap != null) {
                try {
                    tap.crossed(session, number, false, kind.name(), out.type(), codec, out.payload().asSlice(0, length));
                } catch (RuntimeException e) { // the message went: an observer's fault must not look like a failed send
                    System.getLogger("dev.ipc4j.message").log(System.Logger.Level.WARNING, "the session's tap threw", e);
                }
            }
        }
        return sent;
    }

    private boolean writeFrame(Kind kind, OutMessage out, long id, long inResponseTo, Mode mode, int extraFlags)
            throws TransportException, BackPressureException {
        if (out == null) {
            MemorySegment frame = MemorySegment.ofArray(new byte[Wire.HEADER]);
            Wire.writeHeader(frame, kind, extraFlags, id, inResponseTo, 0, 0, 0, 0);
            return send(frame, null, mode);
        }
        out.ensureOpen();
        List<NativeHandle> fds = out.handles();
        int flags = (fds.isEmpty() ? 0 : Wire.HAS_FDS) | extraFlags;
        long length = out.length();
        if (out.isShared() && channel.hasRing() && length >= inlineBelow) {
            SessionHandle handle = session.lend(out.block());
            MemorySegment frame = MemorySegment.ofArray(new byte[Wire.SHM_FRAME]);
            Wire.writeHeader(frame, kind, flags | Wire.SHM, id, inResponseTo, out.type(), fds.size(), out.offset(), length);
            handle.writeTo(frame, Wire.HEADER);
            sendDescriptors(fds, id);
            // This side's own hold until the peer has consumed the frame (retained: no lend-then-borrow round trip).
            InTransit.Hold hold = new InTransit.Hold(out.block().arena(), out.block().arena().retain(out.block()));
            try {
                return send(frame, hold, mode);
            } catch (RuntimeException e) {
                hold.release();
                throw e;
            }
        }
        if (!channel.hasRing() && !fds.isEmpty()) {
            return sendWithDescriptors(kind, out, id, inResponseTo, flags, length, fds);
        }
        sendDescriptors(fds, id);
        if (out.frame() != null) {
            synchronized (out) { // the header room in front of the payload is shared by every send of it
                Wire.writeHeader(out.frame(), kind, flags, id, inResponseTo, out.type(), fds.size(), 0, length);
                return send(out.frameFor(length), null, mode);
            }
        }
        // A shared-memory payload copied into its frame: a small one (e.g. a FlatBuffer request built in the arena;
        // copying costs less than lending the block, holding it for the peer and the peer's borrow), or any over a
        // channel without a ring.
        if (length < inlineBelow) {
            return send(copied(MemorySegment.ofArray(new byte[(int) (Wire.HEADER + length)]), kind, flags, id,
                    inResponseTo, out, fds.size(), length), null, mode);
        }
        try (Arena arena = Arena.ofConfined()) {
            return send(copied(arena.allocate(Wire.HEADER + length, 16), kind, flags, id, inResponseTo, out, fds.size(),
                    length), null, mode);
        }
    }

    /** {@code frame} with the header written and {@code out}'s shared-memory payload copied behind it. */
    private static MemorySegment copied(MemorySegment frame, Kind kind, int flags, long id, long inResponseTo,
            OutMessage out, int fdCount, long length) {
        Wire.writeHeader(frame, kind, flags, id, inResponseTo, out.type(), fdCount, 0, length);
        MemorySegment.copy(out.block().memory(), out.offset(), frame, Wire.HEADER, length);
        return frame;
    }

    /** A socket-only channel: the descriptors ride on the message's own frame (the socket pipe queues, bounded). */
    private boolean sendWithDescriptors(Kind kind, OutMessage out, long id, long inResponseTo, int flags, long length,
            List<NativeHandle> fds) throws TransportException {
        NativeHandle[] handles = fds.toArray(NativeHandle[]::new);
        if (out.frame() != null) {
            synchronized (out) {
                Wire.writeHeader(out.frame(), kind, flags, id, inResponseTo, out.type(), fds.size(), 0, length);
                channel.handles().send(out.frame().asSlice(0, Wire.HEADER + length), handles);
            }
            return true;
        }
        try (Arena arena = Arena.ofConfined()) {
            channel.handles().send(copied(arena.allocate(Wire.HEADER + length, 16), kind, flags, id, inResponseTo, out,
                    fds.size(), length), handles);
        }
        return true;
    }

    /** With a ring, descriptors go first, in a frame of their own on the socket naming the message. */
    private void sendDescriptors(List<NativeHandle> fds, long id) throws TransportException {
        if (fds.isEmpty() || !channel.hasRing()) {
            return;
        }
        MemorySegment announce = MemorySegment.ofArray(new byte[Wire.FD_FRAME]);
        Wire.writeFdFrame(announce, fds.size(), id);
        channel.handles().send(announce, fds.toArray(NativeHandle[]::new));
    }

    private boolean send(MemorySegment frame, InTransit.Hold hold, Mode mode) throws TransportException, BackPressureException {
        switch (mode) {
            case WAIT -> {
                channel.blobs().send(frame);
                held(hold);
                return true;
            }
            case TRY -> {
                synchronized (this) {
                    if (!deferred.isEmpty() || !channel.blobs().trySend(frame)) {
                        if (hold != null) {
                            hold.release();
                        }
                        return false;
                    }
                    held(hold);
                }
                return true;
            }
            case DEFER -> {
                synchronized (this) {
                    if (deferred.isEmpty() && channel.blobs().trySend(frame)) {
                        held(hold);
                        return true;
                    }
                    if (deferred.size() >= maxDeferred || deferredBytes + frame.byteSize() > maxDeferredBytes) {
                        throw new BackPressureException("the ring is full and " + deferred.size() + " frames ("
                                + deferredBytes + " bytes) already wait for room: a handler that sends this much must"
                                + " use offer and resume when it returns BACK_PRESSURED no more");
                    }
                    MemorySegment copy = MemorySegment.ofArray(new byte[(int) frame.byteSize()]);
                    MemorySegment.copy(frame, 0, copy, 0, frame.byteSize());
                    deferred.add(new Deferred(copy, hold));
                    deferredBytes += copy.byteSize();
                }
                return true;
            }
        }
        throw new AssertionError(mode);
    }

    private void held(InTransit.Hold hold) {
        if (hold != null) {
            inTransit.hold(hold, ring.sentPosition());
        }
    }
}
