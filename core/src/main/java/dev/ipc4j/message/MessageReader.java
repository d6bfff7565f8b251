package dev.ipc4j.message;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Closing;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.transport.BlobView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Turns received frames into messages, trusting nothing in them: the header is checked against the blob
 * ({@link Wire#readHeader}), a handle against what the session lent ({@link Session#borrow} checks every field), the
 * payload's offset and length against the handle and then the lease, before a payload byte is touched.
 */
final class MessageReader<R> {
    private static final long SLAB = 64 * 1024;
    private static final long SLAB_PIECE_MAX = 4 * 1024;

    private final Session session;
    private final Codec<R> codec;
    private final Checked<R> frame = new Checked<>();
    private MemorySegment slab;         // written here
    private MemorySegment slabReadOnly; // the same memory, cut into the payloads handed on
    private long slabUsed;

    MessageReader(Session session, Codec<R> codec) {
        this.session = session;
        this.codec = codec;
    }

    /**
     * A checked frame: the header and its payload (leased or copied); the descriptors may still be to come. The reader
     * has one and fills it with every frame it reads (a frame allocates nothing of its own): its owner hands it on
     * ({@link #toMessage}) or {@link #release()}s it before it reads the next, which the endpoint does, since it reads
     * no further while a frame waits for its descriptors.
     */
    static final class Checked<R> {
        private final Wire.Header header = new Wire.Header();
        private Lease lease;
        private MemorySegment payload;
        private List<NativeHandle> handles;

        private Checked<R> set(Lease lease, MemorySegment payload, List<NativeHandle> handles) {
            this.lease = lease;
            this.payload = payload;
            this.handles = handles;
            return this;
        }

        Wire.Header header() {
            return header;
        }

        List<NativeHandle> handles() {
            return handles;
        }

        /** The message this frame becomes, which owns its lease and payload from now on (the frame lets go of them). */
        InMessage<R> toMessage(Codec<R> codec, List<NativeHandle> fds) {
            Wire.Header h = header;
            InMessage<R> m = new InMessage<>(codec, h.kind(), h.id(), h.inResponseTo(), h.type(), lease, payload, fds);
            set(null, null, null); // a lease the user drops unclosed is then found by the leak detector, not kept here
            return m;
        }

        void release() {
            if (lease != null) {
                lease.close();
            }
            Closing.all(handles);
            set(null, null, null);
        }
    }

    /**
     * Reads one frame, valid only during this call, into this reader's {@link Checked} frame, which outlives it until the next
     * read. Descriptors attached to the blob are taken (closed here if the frame is rejected).
     */
    Checked<R> read(BlobView blob) throws MalformedMessageException {
        List<NativeHandle> attached = blob.handles();
        try {
            MemorySegment bytes = blob.segment();
            Wire.Header h = frame.header.read(bytes);
            if (!attached.isEmpty() && (!h.hasFds() || attached.size() != h.fdCount())) {
                throw new MalformedMessageException(h.kind() + " " + h.id() + ": " + attached.size()
                        + " descriptors attached, header says " + h.fdCount());
            }
            if (!h.shm()) {
                MemorySegment copy = MemorySegment.NULL;
                if (h.payloadLength() > 0) {
                    // A private copy: the blob is only valid during this call.
                    copy = copied(bytes, h.payloadLength());
                }
                return frame.set(null, copy, attached);
            }
            SessionHandle handle;
            try {
                handle = SessionHandle.readFrom(bytes, Wire.HEADER);
            } catch (ShmException e) {
                throw new MalformedMessageException(h.kind() + " " + h.id() + ": bad handle: " + e.getMessage(), e);
            }
            if (!Wire.within(h.payloadOffset(), h.payloadLength(), handle.handle().length())) {
                throw new MalformedMessageException(h.kind() + " " + h.id() + ": payload [" + h.payloadOffset() + ", +"
                        + h.payloadLength() + ") outside the lent block of " + handle.handle().length() + " bytes");
            }
            Lease lease;
            try {
                lease = session.borrow(handle);
            } catch (ShmException | IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
                // A forged or stale handle; IllegalState/UncheckedIO: the session's memory is gone or unmappable.
                throw new MalformedMessageException(h.kind() + " " + h.id() + ": cannot borrow " + handle + ": " + e.getMessage(), e);
            }
            long size = lease.memory().byteSize();
            if (!Wire.within(h.payloadOffset(), h.payloadLength(), size)) {
                lease.close();
                throw new MalformedMessageException(h.kind() + " " + h.id() + ": payload [" + h.payloadOffset() + ", +"
                        + h.payloadLength() + ") outside the lease of " + size + " bytes");
            }
            return frame.set(lease, lease.memory().asSlice(h.payloadOffset(), h.payloadLength()), attached);
        } catch (RuntimeException e) {
            Closing.all(attached);
            throw e;
        }
    }

    Codec<R> codec() {
        return codec;
    }

    /**
     * A read-only private copy of the {@code length} payload bytes behind the header of {@code bytes}, 16-byte aligned,
     * freed by the garbage collector once nothing refers to it. Small copies are cut from a shared 64 KiB slab (one
     * automatic arena, one cleaner, per slab rather than per message) through a read-only view of it made once per
     * slab, so a payload costs one segment object; a kept message keeps its slab alive, nothing more. Called by the one
     * thread reading (driveLock).
     */
    private MemorySegment copied(MemorySegment bytes, long length) {
        if (length > SLAB_PIECE_MAX) {
            MemorySegment own = Arena.ofAuto().allocate(length, 16);
            MemorySegment.copy(bytes, Wire.HEADER, own, 0, length);
            return own.asReadOnly();
        }
        long at = (slabUsed + 15) & ~15L;
        if (slab == null || at + length > SLAB) {
            slab = Arena.ofAuto().allocate(SLAB, 16);
            slabReadOnly = slab.asReadOnly();
            at = 0;
        }
        slabUsed = at + length;
        MemorySegment.copy(bytes, Wire.HEADER, slab, at, length);
        return slabReadOnly.asSlice(at, length);
    }
}
