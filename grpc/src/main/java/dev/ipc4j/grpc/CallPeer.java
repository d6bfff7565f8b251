package dev.ipc4j.grpc;

import dev.ipc4j.session.SessionPeer;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerCall;
import java.net.SocketAddress;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/**
 * Who is calling, in one shape whichever way the call came: over an ipc4j session the app and the process the kernel
 * vouched for at log-in (SO_PEERCRED); over TCP the remote address and, with TLS, the TLS session (its peer
 * certificates). For interceptors and services: {@code CallPeer.of(call)}.
 *
 * @param address the remote address ({@link Ipc4jAddress} locally, an {@code InetSocketAddress} over TCP)
 * @param session the session's peer, for a call over ipc4j
 * @param tls the TLS session, for a call over TCP with TLS
 */
public record CallPeer(SocketAddress address, Optional<SessionPeer> session, Optional<SSLSession> tls) {
    public CallPeer {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(tls, "tls");
    }

    /** The peer of {@code call}. */
    public static CallPeer of(ServerCall<?, ?> call) {
        return of(call.getAttributes());
    }

    /** The peer a call's transport attributes name. */
    public static CallPeer of(Attributes attributes) {
        return new CallPeer(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), Optional.ofNullable(attributes.get(Ipc4jGrpc.PEER)),
                Optional.ofNullable(attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
    }

    /** Whether the call came over an ipc4j session (from this host, its process known to the kernel). */
    public boolean isLocal() {
        return session.isPresent();
    }
}
