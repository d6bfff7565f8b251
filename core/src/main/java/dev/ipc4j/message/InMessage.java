package dev.ipc4j.message;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.shm.Lease;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A received message, read in place: in the peer's shared memory through a {@link Lease} held until {@link #close()},
 * or in a private copy when it came inline. Close it when done (try-with-resources); one garbage-collected unclosed
 * is reported by the lease's leak detector, as any lease (see {@code ShmArena.LeakDetection}).
 *
 * <p>Who owns it: the handler it is given to, the caller of a request it answers. {@link #root()} may be called from
 * any thread; the payload must not be read after {@link #close()} (the peer may reuse the memory).
 *
 * @param <R> the root type of the channel's {@link Codec}
 */
public final class InMessage<R> implements AutoCloseable {
    private final Codec<R> codec;
    private final Kind kind;
    private final long id;
    private final long inResponseTo;
    private final int type;
    private final Lease lease; // null when the payload came inline
    private final MemorySegment payload;
    private List<NativeHandle> handles; // guarded by this; List.of() (shared, no allocation) when none came
    private volatile boolean closed;     // set once, by CLOSED
    private volatile ClosedHook onClose; // the endpoint's accounting of unhandled messages
    private R root; // guarded by this
    private boolean decoded; // guarded by this

    InMessage(Codec<R> codec, Kind kind, long id, long inResponseTo, int type, Lease lease, MemorySegment payload,
            List<NativeHandle> handles) {
        this.codec = codec;
        this.kind = kind;
        this.id = id;
        this.inResponseTo = inResponseTo;
        this.type = type;
        this.lease = lease;
        this.payload = payload.isReadOnly() ? payload : payload.asReadOnly(); // a view object less when it is
        this.handles = handles.isEmpty() ? List.of() : new ArrayList<>(handles);
    }

    private static final VarHandle CLOSED;

    static {
        try {
            CLOSED = MethodHandles.lookup().findVarHandle(InMessage.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * What the endpoint runs when a message it delivered is closed: one object per endpoint, not a lambda per message
     * (a received message allocates as little as it can).
     */
    @FunctionalInterface
    interface ClosedHook {
        void closed(InMessage<?> message);
    }

    /** This message's id, unique among the messages its sender sent on the channel (never 0). */
    public long id() {
        return id;
    }

    /** The id of the message (of this side) it answers, or 0. */
    public long inResponseTo() {
        return inResponseTo;
    }

    /** The routing type from the header (checked against the payload's own when the codec knows it). */
    public int type() {
        return type;
    }

    /** Whether the sender waits for one response ({@link MessageChannel#reply}). */
    public boolean isRequest() {
        return kind == Kind.REQUEST;
    }

    /** Whether the sender waits for a stream of responses ({@link MessageChannel#openStream}). */
    public boolean isStreamRequest() {
        return kind == Kind.STREAM_REQUEST;
    }

    Kind kind() {
        return kind;
    }

    /** Whether the payload is read in place from the peer's shared memory (else it is a private copy). */
    public boolean isShared() {
        return lease != null;
    }

    /**
     * The decoded root, verified by the codec on first call and kept; reads the payload in place.
     *
     * @throws InvalidPayloadException when the codec rejects the payload or its type disagrees with {@link #type()};
     *     thrown out of a handler, it is reported like a malformed frame
     */
    public synchronized R root() throws InvalidPayloadException {
        ensureOpen();
        if (!decoded) {
            R r = codec.read(payload);
            if (codec.typeInPayload() && codec.typeOf(r) != type) {
                throw new InvalidPayloadException("message " + id + ": header type " + type + " but payload type " + codec.typeOf(r));
            }
            root = r;
            decoded = true;
        }
        return root;
    }

    /** The payload bytes, read-only, in place. */
    public MemorySegment payload() {
        ensureOpen();
        return payload;
    }

    /**
     * The payload in place, as a segment valid only while {@code scope} is alive: for views handed to code whose
     * lifetime this side does not control (a parsed message whose fields alias the payload). Close {@code scope}
     * before this message: from then on every access through the view, or a buffer made from it, throws
     * {@link IllegalStateException} instead of reading memory that is no longer this message's.
     */
    @SuppressWarnings("restricted") // reinterpret: the same bounds, only the lifetime narrowed to the scope's
    public MemorySegment payload(Arena scope) {
        Objects.requireNonNull(scope, "scope");
        ensureOpen();
        return payload.reinterpret(scope, null); // the same memory, the scope's lifetime: native access is the core's
    }

    /** The descriptors that came with it; those still here when the message is closed are closed with it. */
    public synchronized List<NativeHandle> handles() {
        return List.copyOf(handles);
    }

    /** Takes the descriptors out: they are the caller's to close from now on. */
    public synchronized List<NativeHandle> takeHandles() {
        if (handles.isEmpty()) {
            return List.of();
        }
        List<NativeHandle> taken = List.copyOf(handles);
        handles = List.of();
        return taken;
    }

    /** The codec's rendering of the root (or why it could not decode it). */
    public String toJson() {
        try {
            return codec.toJson(root());
        } catch (InvalidPayloadException e) {
            return "{\"invalid\":\"" + e.getMessage().replace("\"", "'") + "\"}";
        }
    }

    public boolean isOpen() {
        return !closed;
    }

    /** Runs {@code hook} once when the message is closed (the endpoint counts what its user still holds). */
    void whenClosed(ClosedHook hook) {
        this.onClose = hook;
    }

    /** The bytes this message holds of the peer's memory or ours, for the endpoint's flow control. */
    long heldBytes() {
        return payload.byteSize();
    }

    /** Gives the lease back and closes unclaimed descriptors; idempotent. */
    @Override
    public void close() {
        if (!CLOSED.compareAndSet(this, false, true)) {
            return;
        }
        ClosedHook hook = onClose;
        if (hook != null) {
            hook.closed(this);
        }
        if (lease != null) {
            lease.close();
        }
        for (NativeHandle h : takeHandles()) {
            try {
                h.close();
            } catch (Exception ignored) {
                // closed by its user already
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("message " + id + " is closed");
        }
    }

    @Override
    public String toString() {
        return "InMessage[" + kind + " " + id + (inResponseTo != 0 ? " answering " + inResponseTo : "") + ", type " + type
                + ", " + payload.byteSize() + " bytes" + (lease != null ? ", shared" : "") + (closed ? ", closed]" : "]");
    }
}
