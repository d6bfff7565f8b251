package dev.ipc4j.grpc;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.flatbuffers.ShmFlatBufferBuilder;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.shm.ShmArena;
import io.grpc.Drainable;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * A FlatBuffers message as a gRPC message: the type of the methods that use {@link #marshaller}. One built in the
 * shared memory of the session a call goes over crosses as a handle only; one received over a session is read where
 * the sender built it.
 *
 * <pre>{@code
 * // Client: build the request where the server will read it (Ipc4jChannel.arena(); null builds on the heap).
 * FlatBuffer request = FlatBuffer.build(channel.arena(), 1 << 20, b -> Blob.createBlob(b, 7, b.createByteVector(data)));
 * try (FlatBuffer reply = ClientCalls.blockingUnaryCall(channel, STORE, CallOptions.DEFAULT, request)) {
 *     Blob blob = reply.root(Blob::getRootAsBlob);   // read in place, until the close
 * }
 * // Service: the response in the caller's session's memory (Ipc4jGrpc.ARENA: null over TCP, then on the heap).
 * public void store(FlatBuffer request, StreamObserver<FlatBuffer> responses) {
 *     try (request) {
 *         responses.onNext(FlatBuffer.build(Ipc4jGrpc.ARENA.get(), 256, b -> Blob.createBlob(b, 8, 0)));
 *         responses.onCompleted();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Copies.</b> Over an ipc4j session: a message built in that session's memory ({@link #build} with the call's
 * arena, or {@link #of(FlatBufferMessage)} from a {@link ShmFlatBufferBuilder}) is sent as a handle, 0 copies (one below
 * 4 KiB goes inside the frame, as every small ipc4j message); one built elsewhere (the heap, another session) is copied
 * once into the session's memory. The receiver reads a message of of 256 KiB or more where it was
 * built (0 copies) and copies a smaller one once (ending an in-place view costs more than copying a small message).
 * Over TCP: gRPC's own copies (into Netty's buffers, the kernel's, then one array on the receiver). In process: the
 * same object, 0 copies.
 *
 * <p><b>Ownership.</b> A message given to gRPC to send ({@code onNext}, a stub's request) is gRPC's from then on: don't
 * read, send again or close it. A received message is its receiver's (the service, a stub's caller, an observer's
 * {@code onNext}): close it when done, which gives the memory back to the sender; one garbage-collected unclosed is
 * reported by the session's leak detector. After {@link #close()} a received message read in place cannot be read:
 * every read, through this object or a buffer it gave, throws {@link IllegalStateException}, never bytes that are no
 * longer the message's.
 *
 * <p><b>Verification.</b> The marshaller runs the verifier it was given over every received message before anyone
 * sees it: one that fails ends its call, nothing else (a request: {@code UNKNOWN} on the client, as grpc's servers
 * answer a request their marshaller cannot parse; a response: {@code CANCELLED}, as grpc's client calls do). Memory read in place stays writable by its
 * sender; {@link #root} guards generated accessors against what a sender changes after the check
 * ({@link InvalidFlatBufferException}).
 *
 * <p>Thread-safety: reads are safe from any thread while the message is open; {@link #close()} is idempotent and
 * thread-safe, and must not race reads (a read at the very moment of the close keeps the memory lent, logged).
 */
public final class FlatBuffer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final FlatBufferMessage built; // built in shared memory: owned here until sent (given) or closed
    private final InMessage<MemorySegment> received; // read in place: held until closed
    private final Arena scope; // the in-place view's lifetime
    private final MemorySegment memory;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean given; // sent as a handle: its block is the ipc4j message's now

    private FlatBuffer(FlatBufferMessage built, InMessage<MemorySegment> received, Arena scope, MemorySegment memory) {
        this.built = built;
        this.received = received;
        this.scope = scope;
        this.memory = memory;
    }

    /**
     * A message built in shared memory: over a session whose memory holds it, it crosses as a handle. Build it with
     * {@link ShmFlatBufferBuilder#create(ShmArena, int)} on the arena the call will go over ({@link Ipc4jChannel#arena},
     * {@link Ipc4jGrpc#ARENA} in a service).
     */
    public static FlatBuffer of(FlatBufferMessage built) {
        return new FlatBuffer(Objects.requireNonNull(built, "built"), null, null, built.memory());
    }

    /** A finished message in {@code message} (position to limit; e.g. {@code FlatBufferBuilder.dataBuffer()}). */
    public static FlatBuffer of(ByteBuffer message) {
        return new FlatBuffer(null, null, null, MemorySegment.ofBuffer(message.slice()));
    }

    /**
     * A message written by {@code writer} (which returns the root table's offset) into {@code arena}, where it crosses
     * as a handle; or on the heap when {@code arena} is null (a call over TCP, where {@link Ipc4jGrpc#ARENA} is null).
     */
    public static FlatBuffer build(ShmArena arena, int initialCapacity, ToIntFunction<FlatBufferBuilder> writer) {
        return build(arena, initialCapacity, null, writer);
    }

    /** As {@link #build(ShmArena, int, ToIntFunction)}, finished with {@code fileIdentifier} (4 ASCII characters). */
    public static FlatBuffer build(ShmArena arena, int initialCapacity, String fileIdentifier,
            ToIntFunction<FlatBufferBuilder> writer) {
        if (arena == null) {
            FlatBufferBuilder b = new FlatBufferBuilder(Math.max(1, initialCapacity));
            int root = writer.applyAsInt(b);
            if (fileIdentifier == null) {
                b.finish(root);
            } else {
                b.finish(root, fileIdentifier);
            }
            return of(b.dataBuffer());
        }
        try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, Math.max(64, initialCapacity))) {
            return of(shm.finish(writer.applyAsInt(shm.builder()), fileIdentifier)); // the close frees it on a throw
        }
    }

    /**
     * The marshaller of methods whose messages are FlatBuffers, running {@code verifier} (a schema's verifier written
     * with {@link dev.ipc4j.flatbuffers.FlatBufferVerifier}; it throws for a message that is not a valid root) on every
     * message received.
     */
    public static MethodDescriptor.Marshaller<FlatBuffer> marshaller(Consumer<MemorySegment> verifier) {
        return new Marshaller(Objects.requireNonNull(verifier, "verifier"));
    }

    /** The message's bytes: read-only when received. */
    public MemorySegment memory() {
        ensureOpen();
        return memory;
    }

    /** A little-endian buffer over the message, for a generated {@code getRootAsX}. */
    public ByteBuffer buffer() {
        return FlatBufferReader.view(memory());
    }

    /**
     * The root table through {@code rootAccessor} (a generated {@code getRootAsX}); what the accessor trips over
     * becomes {@link InvalidFlatBufferException}.
     */
    public <T> T root(Function<ByteBuffer, T> rootAccessor) {
        ByteBuffer view = buffer();
        return FlatBufferReader.read(() -> rootAccessor.apply(view));
    }

    /** The message's size in bytes. */
    public int size() {
        return (int) memory.byteSize();
    }

    /** Whether this was received and is read where its sender built it (not a copy). */
    public boolean isInPlace() {
        return scope != null;
    }

    /**
     * Gives the memory back: a received message's to its sender (after which reads throw), a built one's to its
     * arena. Idempotent; a message given to gRPC to send is not closed by this.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true) || given) {
            return;
        }
        if (built != null) {
            built.close();
        }
        if (scope != null) {
            try {
                scope.close();
            } catch (IllegalStateException busy) { // read at this very moment: never release what may still be read
                LOG.log(System.Logger.Level.WARNING, "a FlatBuffer read in place was closed during a read: its memory"
                        + " stays lent until the process ends", busy);
                return;
            }
        }
        if (received != null) {
            received.close();
        }
    }

    @Override
    public String toString() {
        String how = built != null ? "built in shared memory" : scope != null ? "read in place" : "on the heap";
        return "FlatBuffer[" + memory.byteSize() + " bytes, " + how + (closed.get() ? ", closed]" : "]");
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(given ? "this FlatBuffer was sent: it is gRPC's" : "this FlatBuffer is closed");
        }
    }

    /** {@code message} as received: in place when it is in shared memory and worth it, else copied (and released). */
    private static FlatBuffer received(InMessage<MemorySegment> message) {
        if (message.isShared() && InPlace.worth(message)) {
            Arena scope = Arena.ofShared();
            return new FlatBuffer(null, message, scope, message.payload(scope));
        }
        try (message) {
            MemorySegment payload = message.payload();
            byte[] copy = new byte[(int) payload.byteSize()];
            MemorySegment.copy(payload, ValueLayout.JAVA_BYTE, 0, copy, 0, copy.length);
            return of(ByteBuffer.wrap(copy));
        }
    }

    private static FlatBuffer copied(InputStream in) throws IOException {
        return of(ByteBuffer.wrap(in.readAllBytes()));
    }

    /** The stream a transport reads a message from; over a session whose memory holds it, a handle instead. */
    private static final class Stream extends SegmentStream implements Drainable, HandleStream {
        private static final int CHUNK = 64 << 10;
        private final FlatBuffer message;
        private boolean taken; // the message went on as itself (a handle, or in process): nothing here to close

        Stream(FlatBuffer message) {
            super(message.memory());
            this.message = message;
        }

        @Override
        public OutMessage adoptInto(MessageChannel<MemorySegment> channel) {
            FlatBufferMessage built = message.built;
            if (built == null || position() != 0 || message.closed.get()) {
                return null;
            }
            ShmArena arena = built.block().arena();
            var session = channel.session();
            if (arena != session.arena() && !(session instanceof dev.ipc4j.session.ServerSession && arena == session.appArena())) {
                return null;
            }
            OutMessage out = built.toOutMessage(Ipc4jGrpc.CALL_TYPE);
            taken = true;
            message.given = true;
            message.closed.set(true);
            return out;
        }

        /** The message itself, for a receiver in this process: it is the receiver's now. */
        FlatBuffer take() {
            taken = true;
            return message;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            long start = position();
            byte[] chunk = new byte[Math.max(1, Math.min(CHUNK, available()))];
            for (int n; (n = read(chunk, 0, chunk.length)) > 0; ) {
                target.write(chunk, 0, n);
            }
            return (int) (position() - start);
        }

        /** Read to the end by a transport that copies: the message's memory goes back now. */
        @Override
        public void close() {
            if (!taken) {
                taken = true;
                message.close();
            }
        }
    }

    private record Marshaller(Consumer<MemorySegment> verifier) implements MethodDescriptor.Marshaller<FlatBuffer> {
        @Override
        public InputStream stream(FlatBuffer value) {
            return new Stream(value);
        }

        @Override
        public FlatBuffer parse(InputStream in) {
            FlatBuffer message;
            if (in instanceof Payloads.SegmentInput payload) {
                message = received(payload.take());
            } else if (in instanceof Stream local) {
                message = local.take();
            } else {
                try {
                    message = copied(in);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            try {
                verifier.accept(message.memory());
            } catch (RuntimeException e) {
                message.close();
                throw e;
            }
            return message;
        }
    }
}
