package dev.ipc4j.grpc;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.protobuf.ShmProtobuf;
import io.grpc.MethodDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A call's protobuf requests parsed in place, their {@code bytes} fields views of the shared memory the client wrote
 * them into (no copy), valid until the call ends ({@link Ipc4jServer.Builder#aliasRequests}). The views are made
 * through one scope per call: when the call ends the scope closes first, so a service that kept such a field past its
 * call gets an {@link IllegalStateException} on its next read, never bytes that are no longer its request's; then the
 * messages are released.
 *
 * <p>Only requests of at least {@link #SMALLEST} bytes are parsed in place: closing a shared scope costs a handshake
 * with every thread of the process (tens to hundreds of microseconds), more than copying a small request.
 *
 * <p>Single-thread contract: every method runs on the call's serial executor.
 */
final class AliasedRequests {
    /** Requests smaller than this are copied as usual: cheaper than a scope of their own. */
    static final long SMALLEST = 256 << 10;
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final Parser<?> parser;
    private final List<InMessage<MemorySegment>> held = new ArrayList<>();
    private Arena scope;

    private AliasedRequests(Parser<?> parser) {
        this.parser = parser;
    }

    /** For requests of {@code marshaller}, when it is protobuf's (else null: they are parsed as usual). */
    static AliasedRequests forMarshaller(MethodDescriptor.Marshaller<?> marshaller) {
        if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> p && p.getMessagePrototype() instanceof MessageLite m) {
            return new AliasedRequests(m.getParserForType());
        }
        return null;
    }

    /** Whether {@code message} is worth parsing in place (else: {@link Payloads#read}). */
    static boolean worth(InMessage<MemorySegment> message) {
        return message.payload().byteSize() >= SMALLEST;
    }

    /** Parses {@code message} in place; it stays held until {@link #release}. */
    @SuppressWarnings("unchecked")
    <T> T parse(InMessage<MemorySegment> message) {
        if (scope == null) {
            scope = Arena.ofShared();
        }
        held.add(message);
        return (T) ShmProtobuf.parse(message.payload(scope), (Parser<? extends MessageLite>) parser);
    }

    /** The call is over: its views stop working, then its messages are released. Idempotent. */
    void release() {
        if (scope != null) {
            try {
                scope.close();
            } catch (IllegalStateException busy) { // a thread is inside a read of a view right now: keep the memory
                LOG.log(System.Logger.Level.WARNING, "a request's in-place views are in use past their call: its"
                        + " memory stays lent until the process ends", busy);
                held.clear();
                return;
            }
            scope = null;
        }
        held.forEach(InMessage::close);
        held.clear();
    }
}
