package dev.ipc4j.grpc;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionPeer;
import dev.ipc4j.shm.ShmArena;
import io.grpc.Attributes;
import io.grpc.Context;

/**
 * Entry points: a gRPC channel to a server app over an ipc4j session, and a gRPC server for a server app.
 *
 * <pre>{@code
 * Server server = Ipc4jGrpc.server(cacheApp).addService(new CacheService()).build().start();
 * ManagedChannel channel = Ipc4jGrpc.channel(webApp, cacheApp).build();
 * CacheGrpc.CacheBlockingStub cache = CacheGrpc.newBlockingStub(channel);
 * }</pre>
 */
public final class Ipc4jGrpc {
    /** The ipc4j call type every gRPC call is opened with (the ASCII of "grpc"); the method name says which. */
    public static final int CALL_TYPE = 0x67727063;
    /**
     * The session's peer (app name and the process the kernel vouched for), in a call's attributes on both sides
     * ({@code ServerCall.getAttributes()} for interceptors and services, {@code ClientCall.getAttributes()}).
     */
    public static final Attributes.Key<SessionPeer> PEER = Attributes.Key.create("dev.ipc4j.grpc.peer");
    /**
     * Which way a call went, in {@code ClientCall.getAttributes()} once it started: {@link RoutedChannel.Route#IPC4J}
     * for every call of an {@link Ipc4jChannel}, either for a {@link RoutedChannel}'s.
     */
    public static final Attributes.Key<RoutedChannel.Route> ROUTE = Attributes.Key.create("dev.ipc4j.grpc.route");

    /**
     * In a service's {@code Context}, on a call that came over an ipc4j session: this side's shared memory of that
     * session, where a response built ({@link FlatBuffer#build}) crosses as a handle. Null on calls over TCP.
     */
    public static final Context.Key<ShmArena> ARENA = Context.key("dev.ipc4j.grpc.arena");

    private Ipc4jGrpc() {}

    /** A channel builder for calls from {@code me} to {@code server}, over a session opened on first use. */
    public static Ipc4jChannel.Builder channel(ClientApp me, ServerApp server) {
        return new Ipc4jChannel.Builder(me, server);
    }

    /**
     * A channel builder for calls from {@code me} to {@code server} over an ipc4j session when the server runs on this
     * host, else over TCP to {@code tcpTarget} (a gRPC target: {@code dns:///host:port}, {@code host:port}).
     */
    public static RoutedChannel.Builder channel(ClientApp me, ServerApp server, String tcpTarget) {
        return new RoutedChannel.Builder(me, server, tcpTarget);
    }

    /** A server builder for {@code app}: the services it serves to the client apps the app allows. */
    public static Ipc4jServer.Builder server(ServerApp app) {
        return new Ipc4jServer.Builder(app);
    }
}
