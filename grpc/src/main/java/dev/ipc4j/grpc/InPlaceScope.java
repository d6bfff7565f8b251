package dev.ipc4j.grpc;

import dev.ipc4j.message.InMessage;
import io.grpc.CallOptions;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * How long messages read in place may be used: until this closes. A client opts in per call, with a scope it closes
 * itself, because a blocking stub hands its response to the caller after the call ended:
 *
 * <pre>{@code
 * try (InPlaceScope inPlace = InPlaceScope.open()) {
 *     Blob blob = stub.withOption(InPlaceScope.RESPONSES, inPlace).get(request);
 *     consume(blob.getData());   // a view of the memory the server wrote the response into: no copy
 * }                              // the views stop working here; the memory goes back to the server
 * }</pre>
 *
 * <p>Which responses: protobuf messages (grpc's protobuf marshaller) of at least 256 KiB that came over an ipc4j
 * session; their {@code bytes} fields (and strings read through them) are views of that memory. Smaller ones, other
 * marshallers and calls over TCP are parsed as usual, and outlive the scope. On the server the same mechanism, one
 * scope per call, is {@link Ipc4jServer.Builder#aliasRequests}.
 *
 * <p>After {@link #close()}, every read through such a view throws {@link IllegalStateException}: never bytes that are
 * no longer the message's. A response that arrives after the close is parsed as usual. Until the close, the server's
 * memory stays lent: a scope kept open for long holds that memory (and what the server may send) for as long.
 *
 * <p>Thread-safe: calls on several threads may share one scope. Closing it costs a handshake with every thread of the
 * process (tens to hundreds of microseconds); share one scope among the calls of a batch rather than one per call.
 */
public final class InPlaceScope implements AutoCloseable {
    /** The {@code CallOptions} key a client sets to read the call's responses in place, valid until the scope closes. */
    public static final CallOptions.Key<InPlaceScope> RESPONSES = CallOptions.Key.create("dev.ipc4j.grpc.in-place");
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final List<InMessage<MemorySegment>> held = new ArrayList<>(); // guarded by this
    private Arena arena; // guarded by this; made by the first message lent
    private boolean closed; // guarded by this

    private InPlaceScope() {}

    /** A new, open scope. */
    public static InPlaceScope open() {
        return new InPlaceScope();
    }

    /** {@code message}'s payload as a view that ends with this scope, which holds the message; null once closed. */
    synchronized MemorySegment lend(InMessage<MemorySegment> message) {
        if (closed) {
            return null;
        }
        if (arena == null) {
            arena = Arena.ofShared();
        }
        MemorySegment view = message.payload(arena);
        held.add(message);
        return view;
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Ends the views, then gives the messages' memory back to their senders. Idempotent. Should a thread be inside a
     * read through a view at this very moment, the views cannot end: the memory then stays lent until the process ends
     * (logged as a warning), never read after its release.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (arena != null) {
            try {
                arena.close();
            } catch (IllegalStateException busy) {
                LOG.log(System.Logger.Level.WARNING, "messages read in place are in use past their scope: their"
                        + " memory stays lent until the process ends", busy);
                held.clear();
                return;
            }
            arena = null;
        }
        held.forEach(InMessage::close);
        held.clear();
    }
}
