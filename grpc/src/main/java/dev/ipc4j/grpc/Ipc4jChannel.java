package dev.ipc4j.grpc;

import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionPeer;
import dev.ipc4j.shm.ShmArena;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC channel to one server app over an ipc4j session: stubs, client interceptors and call options work unchanged.
 * The session opens with the first call and again with the first call after it ended (the server restarted); calls
 * open while it ends close with {@code UNAVAILABLE}. Each call is an ipc4j call on the session's first channel; many
 * run at once.
 *
 * <p>Callbacks run on {@code CallOptions.getExecutor()} when the call has one (a blocking stub's), else on the
 * channel's executor ({@link Builder#executor}; by default a cached pool of daemon threads from
 * {@link Builder#threadFactory}, owned and shut down by the channel). Thread-safe.
 */
public final class Ipc4jChannel extends ManagedChannel {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final ClientApp me;
    private final ServerApp server;
    private final ClientSession.Config sessionConfig;
    private final Executor executor;
    private final ExecutorService ownedExecutor;
    private final int maxInboundMessageSize;
    private final AtomicInteger activeCalls = new AtomicInteger();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean shutdown;
    private ClientSession session; // guarded by this
    private MessageChannel<MemorySegment> messages; // guarded by this
    private final ThreadFactory timerThreads;
    /** Deadlines of calls not yet on the wire; made by the first such call, ended with the channel. Guarded by this. */
    private ScheduledThreadPoolExecutor timer;

    /** Builds an {@link Ipc4jChannel}; {@link Ipc4jGrpc#channel} makes one. Not thread-safe. */
    public static final class Builder {
        private final ClientApp me;
        private final ServerApp server;
        private ClientSession.Config sessionConfig = ClientSession.Config.DEFAULT;
        private Executor executor;
        private ThreadFactory threadFactory;
        private int maxInboundMessageSize = 4 << 20;

        Builder(ClientApp me, ServerApp server) {
            this.me = Objects.requireNonNull(me, "me");
            this.server = Objects.requireNonNull(server, "server");
        }

        /** The executor for calls' callbacks (the channel does not shut it down). */
        public Builder executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Callbacks on the channel's driving thread: only for listeners that never block. */
        public Builder directExecutor() {
            return executor(Runnable::run);
        }

        /** Where the default executor's threads come from (default: daemon threads named ipc4j-grpc-client-N). */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** The largest response accepted (gRPC's default 4 MiB); a call's own option wins. */
        public Builder maxInboundMessageSize(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("negative size " + bytes);
            }
            this.maxInboundMessageSize = bytes;
            return this;
        }

        /** The session's configuration (its init channels are set to the one the channel uses). */
        public Builder sessionConfig(ClientSession.Config config) {
            this.sessionConfig = Objects.requireNonNull(config, "config");
            return this;
        }

        /** The channel; it connects with its first call. */
        public Ipc4jChannel build() {
            return new Ipc4jChannel(this);
        }
    }

    private Ipc4jChannel(Builder b) {
        this.me = b.me;
        this.server = b.server;
        this.sessionConfig = b.sessionConfig.withInitChannels(1);
        if (b.executor != null) {
            this.executor = b.executor;
            this.ownedExecutor = null;
        } else {
            this.ownedExecutor = Executors.newCachedThreadPool(b.threadFactory != null ? b.threadFactory
                    : daemonThreads("ipc4j-grpc-client-"));
            this.executor = ownedExecutor;
        }
        this.maxInboundMessageSize = b.maxInboundMessageSize;
        this.timerThreads = b.threadFactory != null ? b.threadFactory : daemonThreads("ipc4j-grpc-timer-");
    }

    /**
     * Runs {@code task} in {@code nanos} on the channel's timer (one thread, made on first use from the channel's
     * thread factory); null once the channel terminated. For deadlines the ipc4j call cannot keep yet: those of calls
     * that open on the wire only with their half-close.
     */
    synchronized ScheduledFuture<?> schedule(Runnable task, long nanos) {
        if (terminated.getCount() == 0) {
            return null;
        }
        if (timer == null) {
            timer = new ScheduledThreadPoolExecutor(1, timerThreads);
            timer.setRemoveOnCancelPolicy(true); // a call that opened in time leaves nothing behind
        }
        return timer.schedule(task, nanos, TimeUnit.NANOSECONDS);
    }

    static ThreadFactory daemonThreads(String prefix) {
        return Thread.ofPlatform().daemon().name(prefix, 0).factory();
    }

    @Override
    public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions callOptions) {
        return new Ipc4jClientCall<>(this, method, callOptions);
    }

    /** The server app's name. */
    @Override
    public String authority() {
        return server.name();
    }

    Executor executor() {
        return executor;
    }

    int maxInboundMessageSize() {
        return maxInboundMessageSize;
    }

    /** The session's message channel, opening the session if there is none or it ended. */
    synchronized MessageChannel<MemorySegment> messages() throws IOException {
        if (messages != null && messages.isOpen() && session.isOpen()) {
            return messages;
        }
        dropSession();
        ClientSession s = ClientSession.connect(me, server, sessionConfig);
        try {
            messages = MessageChannel.of(s, 0, RawCodec.INSTANCE);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        session = s;
        LOG.log(System.Logger.Level.DEBUG, () -> "gRPC channel to " + server.name() + ": session " + s.peer());
        return messages;
    }

    /**
     * This side's shared memory of the channel's session, opening the session if there is none: a message built here
     * ({@link FlatBuffer#build}) crosses as a handle. A new session (the server restarted) has new memory: a message
     * built in the old one is then copied.
     *
     * @throws IOException when no session can be opened
     */
    public ShmArena arena() throws IOException {
        return messages().session().arena();
    }

    /** Whether a session is open now (no call needs to open one). */
    synchronized boolean isConnected() {
        return messages != null && messages.isOpen() && session.isOpen();
    }

    /** The session's peer, opening the session if there is none. */
    SessionPeer connect() throws IOException {
        return messages().session().peer();
    }

    /** A call's attributes: the server's address, and the session's peer. */
    Attributes attributes(MessageChannel<MemorySegment> ch) {
        return Attributes.newBuilder()
                .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, Ipc4jAddress.of(ch.session().peer()))
                .set(Grpc.TRANSPORT_ATTR_LOCAL_ADDR, Ipc4jAddress.app(me.name()))
                .set(Ipc4jGrpc.PEER, ch.session().peer())
                .set(Ipc4jGrpc.ROUTE, RoutedChannel.Route.IPC4J)
                .build();
    }

    private synchronized void dropSession() {
        if (messages != null) {
            messages.close();
            messages = null;
        }
        if (session != null) {
            session.close();
            session = null;
        }
    }

    /** Counts a call in; false once the channel is shut down. */
    boolean callStarted() {
        activeCalls.incrementAndGet();
        if (shutdown) {
            callEnded();
            return false;
        }
        return true;
    }

    void callEnded() {
        if (activeCalls.decrementAndGet() == 0 && shutdown) {
            terminate();
        }
    }

    /** New calls fail with {@code UNAVAILABLE}; calls open go on; the session closes when the last has ended. */
    @Override
    public Ipc4jChannel shutdown() {
        shutdown = true;
        if (activeCalls.get() == 0) {
            terminate();
        }
        return this;
    }

    /**
     * As {@link #shutdown}, and the calls open end now with {@code UNAVAILABLE}: the session closes at once, the
     * channel terminates once their listeners have been told.
     */
    @Override
    public Ipc4jChannel shutdownNow() {
        shutdown = true;
        dropSession();
        if (activeCalls.get() == 0) {
            terminate();
        }
        return this;
    }

    /** Once no call is open after a shutdown: the session closes, the owned executor finishes what it queued. */
    private synchronized void terminate() {
        if (terminated.getCount() == 0) {
            return;
        }
        dropSession();
        if (ownedExecutor != null) {
            ownedExecutor.shutdown();
        }
        if (timer != null) {
            timer.shutdownNow(); // no call is open: its deadlines are moot
        }
        terminated.countDown();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return terminated.getCount() == 0 && (ownedExecutor == null || ownedExecutor.isTerminated())
                && (timer() == null || timer().isTerminated());
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!terminated.await(timeout, unit)) {
            return false;
        }
        if (ownedExecutor != null && !ownedExecutor.awaitTermination(Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS)) {
            return false;
        }
        ScheduledThreadPoolExecutor t = timer();
        return t == null || t.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private synchronized ScheduledThreadPoolExecutor timer() {
        return timer;
    }

    @Override
    public String toString() {
        return "Ipc4jChannel[" + me.name() + " -> " + server.name() + ", " + activeCalls.get() + " calls open"
                + (shutdown ? ", shut down]" : "]");
    }
}
