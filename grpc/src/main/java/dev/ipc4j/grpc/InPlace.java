package dev.ipc4j.grpc;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.protobuf.ShmProtobuf;
import io.grpc.MethodDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * Protobuf messages parsed in place: their {@code bytes} fields are views of the shared memory the peer wrote them
 * into (protobuf's {@code NioByteString}), made through an {@link InPlaceScope} that ends their use (a server call's
 * own, {@link Ipc4jServer.Builder#aliasRequests}; the one a client gave, {@link InPlaceScope#RESPONSES}).
 *
 * <p>Only messages of at least {@link #SMALLEST} bytes are parsed in place: ending a scope costs a handshake with every
 * thread of the process (tens to hundreds of microseconds), more than copying a small message.
 *
 * <p>Protobuf classes are touched only when a marshaller is protobuf's, so the module works without protobuf on the
 * class path (an optional dependency) for every other marshaller.
 */
final class InPlace {
    /** Messages smaller than this are copied as usual: cheaper than a view that must be ended. */
    static final long SMALLEST = 256 << 10;

    private static final boolean PROTOBUF = present("com.google.protobuf.MessageLite")
            && present("dev.ipc4j.protobuf.ShmProtobuf");

    private InPlace() {}

    /**
     * A parser for messages of {@code marshaller} when it is protobuf's, else null (parsed as usual). Typed Object so
     * that the calls holding one name no protobuf class.
     */
    static Object parserOf(MethodDescriptor.Marshaller<?> marshaller) {
        if (PROTOBUF && marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> p
                && p.getMessagePrototype() instanceof MessageLite m) {
            return m.getParserForType();
        }
        return null;
    }

    /** Whether {@code message} is worth parsing in place. */
    static boolean worth(InMessage<MemorySegment> message) {
        return message.payload().byteSize() >= SMALLEST;
    }

    /**
     * {@code message} parsed in place with views through {@code scope}, which holds the message from now on; null when
     * the scope has ended already (the message is untouched: parse it as usual).
     */
    @SuppressWarnings("unchecked")
    static <T> T parse(InPlaceScope scope, Object parser, InMessage<MemorySegment> message) {
        MemorySegment view = scope.lend(message);
        return view == null ? null : (T) ShmProtobuf.parse(view, (Parser<? extends MessageLite>) parser);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, InPlace.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
