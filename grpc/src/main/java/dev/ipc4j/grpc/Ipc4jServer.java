package dev.ipc4j.grpc;

import dev.ipc4j.message.Call;
import dev.ipc4j.message.CallListener;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageException;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.message.Status;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC server for one ipc4j server app: the same {@code BindableService}s and {@code ServerInterceptor}s as a
 * grpc-java server, served to every client app the app allows, each gRPC call an ipc4j call on the session's first
 * channel. Handlers run on the server's executor ({@link Builder#executor}; by default a cached pool of daemon threads
 * from {@link Builder#threadFactory}), each call's callbacks one at a time, inside the call's {@code Context} (its
 * deadline, cancelled when the client cancels, the deadline passes, or the client process goes away).
 *
 * <p>Beyond one host: {@link Builder#tcp} has the same server also listen on grpc's TCP transport (grpc-netty), with
 * the same services, interceptors and executor, for clients on other machines or without access to this one's run
 * directory and shared memory. {@link CallPeer#of} tells a service which way a call came.
 *
 * <p>Thread-safe.
 */
public final class Ipc4jServer extends Server {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final ServerApp app;
    /** Calls one session may have open at once unless the builder says otherwise. */
    public static final int DEFAULT_MAX_CALLS_PER_SESSION = 10_000;
    private final SessionServer.Config sessionConfig;
    private final int maxCallsPerSession;
    private final List<ServerServiceDefinition> services;
    private final Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();
    private final HandlerRegistry fallback;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final ScheduledExecutorService deadlines;
    private final int maxInboundMessageSize;
    private final AtomicInteger activeCalls = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Server tcp;
    private final boolean aliasRequests;
    private volatile boolean shutdown;
    private volatile SessionServer sessions;

    /** Builds an {@link Ipc4jServer}; {@link Ipc4jGrpc#server} makes one. Not thread-safe. */
    public static final class Builder {
        private final ServerApp app;
        private SessionServer.Config sessionConfig = SessionServer.Config.DEFAULT;
        private int maxCallsPerSession = DEFAULT_MAX_CALLS_PER_SESSION;
        private final List<ServerServiceDefinition> services = new ArrayList<>();
        private final List<ServerInterceptor> interceptors = new ArrayList<>();
        private HandlerRegistry fallback;
        private Executor executor;
        private ThreadFactory threadFactory;
        private int maxInboundMessageSize = 4 << 20;
        private Integer tcpPort;
        private ServerCredentials tcpCredentials;
        private boolean aliasRequests;

        Builder(ServerApp app) {
            this.app = Objects.requireNonNull(app, "app");
        }

        public Builder addService(BindableService service) {
            return addService(service.bindService());
        }

        public Builder addService(ServerServiceDefinition service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /** An interceptor for every service; as grpc-java's, the one added last runs first. */
        public Builder intercept(ServerInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /** Where methods no added service has are looked up (gRPC's fallback handler registry). */
        public Builder fallbackHandlerRegistry(HandlerRegistry registry) {
            this.fallback = registry;
            return this;
        }

        /** The executor for handlers and their callbacks (the server does not shut it down). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Handlers on the session's driving thread: only for handlers that never block. */
        public Builder directExecutor() {
            return executor(Runnable::run);
        }

        /** Where the server's own threads come from (the default executor's and the deadline timer's). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /**
         * The most calls one ipc4j session may have open at once (default {@value #DEFAULT_MAX_CALLS_PER_SESSION}):
         * one more is refused with {@code RESOURCE_EXHAUSTED}, so a client that opens calls without end costs the
         * server bounded memory (sessions themselves are bounded by the session server's {@code maxSessions}). The
         * TCP side keeps grpc-netty's own limits.
         */
        public Builder maxConcurrentCallsPerSession(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("at least one call per session, not " + calls);
            }
            this.maxCallsPerSession = calls;
            return this;
        }

        /** The largest request accepted (gRPC's default 4 MiB). */
        public Builder maxInboundMessageSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative size " + bytes);
            }
            this.maxInboundMessageSize = bytes;
            return this;
        }

        /**
         * Parses protobuf requests of 256 KiB or more that came over ipc4j in place: their {@code bytes} fields are
         * views of the shared memory the client wrote them into, not copies, valid until the call ends (a read after
         * that throws {@link IllegalStateException}; a service that keeps such a field longer copies it first).
         * Smaller requests are copied: cheaper than the per-call scope that guards the views. Needs
         * {@code ipc4j-protobuf} on the class path; methods with other marshallers, and calls over TCP, are not
         * affected. Off by default.
         */
        public Builder aliasRequests(boolean alias) {
            this.aliasRequests = alias;
            return this;
        }

        /** Also listens on grpc's TCP transport at {@code port} (0: any free port; {@link #getPort()} tells), plaintext. */
        public Builder tcp(int port) {
            return tcp(port, InsecureServerCredentials.create());
        }

        /** Also listens on grpc's TCP transport at {@code port}, with {@code credentials} (e.g. TLS). */
        public Builder tcp(int port, ServerCredentials credentials) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.tcpPort = port;
            this.tcpCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The session server's configuration. */
        public Builder sessionConfig(SessionServer.Config config) {
            this.sessionConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The server, not yet started. */
        public Ipc4jServer build() {
            return new Ipc4jServer(this);
        }
    }

    private Ipc4jServer(Builder b) {
        this.app = b.app;
        this.sessionConfig = b.sessionConfig;
        this.maxCallsPerSession = b.maxCallsPerSession;
        List<ServerServiceDefinition> bound = new ArrayList<>();
        for (ServerServiceDefinition s : b.services) {
            ServerServiceDefinition intercepted = ServerInterceptors.intercept(s, b.interceptors);
            bound.add(intercepted);
            for (ServerMethodDefinition<?, ?> m : intercepted.getMethods()) {
                if (methods.put(m.getMethodDescriptor().getFullMethodName(), m) != null) {
                    throw new IllegalArgumentException("method " + m.getMethodDescriptor().getFullMethodName()
                            + " is served twice");
                }
            }
        }
        this.services = List.copyOf(bound);
        this.fallback = b.fallback;
        ThreadFactory threads = b.threadFactory != null ? b.threadFactory : Ipc4jChannel.daemonThreads("ipc4j-grpc-server-");
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(threads);
            this.executor = ownedExecutor;
        }
        this.deadlines = Executors.newSingleThreadScheduledExecutor(threads);
        this.maxInboundMessageSize = b.maxInboundMessageSize;
        this.aliasRequests = b.aliasRequests;
        if (b.tcpPort != null) {
            ServerBuilder<?> net = Grpc.newServerBuilderForPort(b.tcpPort, b.tcpCredentials).executor(executor)
                    .maxInboundMessageSize(maxInboundMessageSize);
            services.forEach(net::addService); // intercepted already: the same interceptors on both routes
            if (fallback != null) {
                net.fallbackHandlerRegistry(fallback);
            }
            this.tcp = net.build();
        } else {
            this.tcp = null;
        }
    }

    /** Starts serving: the app's session server starts (its socket, its shared memory). */
    @Override
    public synchronized Ipc4jServer start() throws IOException {
        if (sessions != null || shutdown) {
            throw new IllegalStateException(sessions != null ? "already started" : "shut down");
        }
        SessionServer s = SessionServer.start(app, sessionConfig);
        if (tcp != null) {
            try {
                tcp.start();
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
        }
        sessions = s;
        s.onSession(this::serve);
        LOG.log(System.Logger.Level.INFO, () -> "gRPC over ipc4j: serving " + app.name() + " at " + s.socketPath()
                + (tcp != null ? " and on TCP " + tcp.getListenSockets() : ""));
        return this;
    }

    /** One session: its first channel carries its calls; the session's end ends them. */
    private void serve(ServerSession session) {
        MessageChannel<MemorySegment> ch;
        AtomicInteger open = new AtomicInteger(); // this session's calls, against maxCallsPerSession
        try {
            ch = MessageChannel.over(session, session.channel(0), RawCodec.INSTANCE, MessageChannel.Config.DEFAULT,
                    c -> c.onCall(Ipc4jGrpc.CALL_TYPE, call -> open(c, call, open))); // before the first frame is read
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "gRPC over ipc4j: session " + session.id() + " has no channel for calls", e);
            session.close();
            return;
        }
        session.onEnd(end -> ch.close());
    }

    private CallListener<MemorySegment> open(MessageChannel<MemorySegment> ch, Call<MemorySegment> call,
            AtomicInteger sessionCalls) {
        String name = call.options().method();
        Status refusal = null;
        ServerMethodDefinition<?, ?> method = methods.get(name);
        if (method == null && fallback != null) {
            int slash = name.lastIndexOf('/');
            method = fallback.lookupMethod(name, slash < 0 ? null : name.substring(0, slash));
        }
        if (method == null) {
            refusal = Status.UNIMPLEMENTED.withDescription("Method not found: " + name);
        } else if (shutdown) {
            refusal = Status.UNAVAILABLE.withDescription("the server is shutting down");
        } else if (sessionCalls.incrementAndGet() > maxCallsPerSession) {
            sessionCalls.decrementAndGet();
            refusal = Status.RESOURCE_EXHAUSTED.withDescription("this session has " + maxCallsPerSession
                    + " calls open, the most the server allows (maxConcurrentCallsPerSession)");
        }
        if (refusal != null) {
            try {
                call.close(refusal, dev.ipc4j.message.Metadata.empty());
            } catch (MessageException e) {
                LOG.log(System.Logger.Level.DEBUG, "refusing a call on a channel that ended", e);
            }
            return new CallListener<>() {};
        }
        activeCalls.incrementAndGet();
        return Ipc4jServerCall.start(this, ch, call, method, sessionCalls::decrementAndGet);
    }

    Executor executor() {
        return executor;
    }

    ScheduledExecutorService deadlines() {
        return deadlines;
    }

    int maxInboundMessageSize() {
        return maxInboundMessageSize;
    }

    boolean aliasRequests() {
        return aliasRequests;
    }

    String authority() {
        return app.name();
    }

    void callEnded() {
        if (activeCalls.decrementAndGet() == 0 && shutdown) {
            terminate();
        }
    }

    /** New calls are refused with {@code UNAVAILABLE}; calls open go on; the sessions end when the last has. */
    @Override
    public Ipc4jServer shutdown() {
        shutdown = true;
        if (tcp != null) {
            tcp.shutdown();
        }
        if (activeCalls.get() == 0) {
            terminate();
        }
        return this;
    }

    /** Every session ends now: the calls open are cancelled (their clients see {@code UNAVAILABLE}). */
    @Override
    public Ipc4jServer shutdownNow() {
        shutdown = true;
        if (tcp != null) {
            tcp.shutdownNow();
        }
        terminate();
        return this;
    }

    private synchronized void terminate() {
        if (terminated.getCount() == 0) {
            return;
        }
        SessionServer s = sessions;
        if (s != null) {
            s.close();
        }
        deadlines.shutdownNow();
        if (ownedExecutor != null && tcp == null) {
            ownedExecutor.shutdown(); // with TCP calls on it too, once those are over (awaitTermination)
        }
        terminated.countDown();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0 && (tcp == null || tcp.isTerminated())
                && (ownedExecutor == null || ownedExecutor.isTerminated());
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!terminated.await(timeout, unit)) {
            return false;
        }
        if (tcp != null) {
            if (!tcp.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                return false;
            }
            if (ownedExecutor != null) {
                ownedExecutor.shutdown();
            }
        }
        return ownedExecutor == null || ownedExecutor.awaitTermination(Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        while (!awaitTermination(1, TimeUnit.DAYS)) {
            Thread.onSpinWait(); // a day at a time: a deadline of Long.MAX_VALUE nanoseconds would overflow
        }
    }

    /** The TCP port ({@link Builder#tcp}), or -1 without one. */
    @Override
    public int getPort() {
        return tcp == null ? -1 : tcp.getPort();
    }

    /** The app's address (its session socket is in its run directory), then the TCP ones. */
    @Override
    public List<? extends SocketAddress> getListenSockets() {
        List<SocketAddress> all = new ArrayList<>();
        all.add(Ipc4jAddress.app(app.name()));
        if (tcp != null) {
            all.addAll(tcp.getListenSockets());
        }
        return List.copyOf(all);
    }

    @Override
    public List<ServerServiceDefinition> getServices() {
        return services;
    }

    @Override
    public List<ServerServiceDefinition> getImmutableServices() {
        return services;
    }

    @Override
    public List<ServerServiceDefinition> getMutableServices() {
        return List.of();
    }

    @Override
    public String toString() {
        return "Ipc4jServer[" + app.name() + (shutdown ? ", shut down]" : "]");
    }
}
