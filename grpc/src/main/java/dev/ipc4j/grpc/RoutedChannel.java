package dev.ipc4j.grpc;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionPeer;
import dev.ipc4j.shm.ShmArena;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel that takes the shortest way to a server: an ipc4j session when the server's app runs on this host and
 * lets this one log in, else grpc's TCP transport to a target ({@code dns:///host:port}). Every call picks: the
 * session while it is open; when there is none, one attempt to open it (at most once per {@link Builder#localRetry}
 * while the TCP route is in use), else TCP. {@link #route()} tells the route in use, each call's attributes the one it
 * took ({@link Ipc4jGrpc#ROUTE}); each change is logged (INFO, logger {@code dev.ipc4j.grpc}). Services see which way
 * a call came through {@link CallPeer}.
 *
 * <p>Thread-safe.
 */
public final class RoutedChannel extends ManagedChannel {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");

    /** Which way calls go. */
    public enum Route {
        /** An ipc4j session: the server's app on this host. */
        IPC4J,
        /** grpc's TCP transport to the target. */
        TCP
    }

    private final Ipc4jChannel local;
    private final String target;
    private final ChannelCredentials credentials;
    private final long localRetryNanos;
    private final String serverApp;
    private final Executor executor; // the user's, for the TCP route too; null: grpc's default there
    private ManagedChannel remote; // guarded by this; built on first use
    private long retryLocalAt; // guarded by this
    private volatile Route route;

    /** Builds a {@link RoutedChannel}; {@link Ipc4jGrpc#channel(ClientApp, ServerApp, String)} makes one. */
    public static final class Builder {
        private final Ipc4jChannel.Builder local;
        private final String serverApp;
        private final String target;
        private ChannelCredentials credentials = InsecureChannelCredentials.create();
        private Duration localRetry = Duration.ofSeconds(5);
        private Executor executor;

        Builder(ClientApp me, ServerApp server, String target) {
            this.local = new Ipc4jChannel.Builder(me, server);
            this.serverApp = server.name();
            this.target = Objects.requireNonNull(target, "target");
        }

        /** The credentials of the TCP route (default plaintext; TLS with {@code TlsChannelCredentials}). */
        public Builder tcpCredentials(ChannelCredentials credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** How long the TCP route is kept before a call tries the session again (default 5 s). */
        public Builder localRetry(Duration every) {
            if (every.isNegative()) {
                throw new IllegalArgumentException("negative " + every);
            }
            this.localRetry = every;
            return this;
        }

        /** See {@link Ipc4jChannel.Builder#executor}; the TCP route uses it too (else grpc's default). */
        public Builder executor(Executor executor) {
            local.executor(executor);
            this.executor = executor;
            return this;
        }

        /** See {@link Ipc4jChannel.Builder#threadFactory}. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            local.threadFactory(threadFactory);
            return this;
        }

        /** See {@link Ipc4jChannel.Builder#maxInboundMessageSize}; the TCP route's too. */
        public Builder maxInboundMessageSize(int bytes) {
            local.maxInboundMessageSize(bytes);
            return this;
        }

        /** See {@link Ipc4jChannel.Builder#sessionConfig}. */
        public Builder sessionConfig(ClientSession.Config config) {
            local.sessionConfig(config);
            return this;
        }

        /** The channel; the route is chosen by its first call. */
        public RoutedChannel build() {
            return new RoutedChannel(this);
        }
    }

    private RoutedChannel(Builder b) {
        this.local = b.local.build();
        this.serverApp = b.serverApp;
        this.target = b.target;
        this.credentials = b.credentials;
        this.localRetryNanos = b.localRetry.toNanos();
        this.executor = b.executor;
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
        ManagedChannel to = pick();
        ClientCall<ReqT, RespT> call = to.newCall(method, options);
        if (to == local) {
            return call; // its attributes say IPC4J already
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
            @Override
            public Attributes getAttributes() {
                return super.getAttributes().toBuilder().set(Ipc4jGrpc.ROUTE, Route.TCP).build();
            }
        };
    }

    /**
     * The shared memory to build messages in ({@link FlatBuffer#build}) for the route a call takes now: the session's
     * when it is {@link Route#IPC4J}, null (build on the heap) when it is TCP.
     */
    public ShmArena arena() {
        if (pick() != local) {
            return null;
        }
        try {
            return local.arena();
        } catch (IOException | Ipc4jException e) {
            return null;
        }
    }

    /** The route of the last call, or null before the first. */
    public Route route() {
        return route;
    }

    private synchronized ManagedChannel pick() {
        if (local.isShutdown() || local.isConnected()) {
            return local; // shut down: its calls fail as gRPC's do after shutdown
        }
        if (route == Route.TCP && System.nanoTime() - retryLocalAt < 0) {
            return remote();
        }
        try {
            SessionPeer peer = local.connect();
            changeTo(Route.IPC4J, "an ipc4j session with " + peer);
            return local;
        } catch (IOException | Ipc4jException e) {
            retryLocalAt = System.nanoTime() + localRetryNanos;
            changeTo(Route.TCP, "TCP to " + target + " (no session with " + serverApp + ": " + e.getMessage() + ")");
            return remote();
        }
    }

    private void changeTo(Route next, String how) {
        if (route != next) {
            LOG.log(System.Logger.Level.INFO, "gRPC channel to " + serverApp + ": " + how);
            route = next;
        }
    }

    private ManagedChannel remote() {
        if (remote == null) {
            var builder = Grpc.newChannelBuilder(target, credentials).maxInboundMessageSize(local.maxInboundMessageSize());
            if (executor != null) {
                builder.executor(executor);
            }
            remote = builder.build();
        }
        return remote;
    }

    /** The server app's name. */
    @Override
    public String authority() {
        return local.authority();
    }

    @Override
    public synchronized RoutedChannel shutdown() {
        local.shutdown();
        if (remote != null) {
            remote.shutdown();
        }
        return this;
    }

    @Override
    public synchronized RoutedChannel shutdownNow() {
        local.shutdownNow();
        if (remote != null) {
            remote.shutdownNow();
        }
        return this;
    }

    @Override
    public boolean isShutdown() {
        return local.isShutdown();
    }

    @Override
    public synchronized boolean isTerminated() {
        return local.isTerminated() && (remote == null || remote.isTerminated());
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        ManagedChannel r;
        synchronized (this) {
            r = remote;
        }
        return (r == null || r.awaitTermination(timeout, unit))
                && local.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    @Override
    public String toString() {
        return "RoutedChannel[" + local + " or " + target + " (" + remote + "), route " + route + "]";
    }
}
