package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.NativeHandle;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.SessionField;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.transport.Agent;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.BlobView;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerGoneException;
import dev.ipc4j.transport.PeerIdentity;
import dev.ipc4j.transport.PipeClosedException;
import dev.ipc4j.transport.ProtocolException;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.TransportException;
import dev.ipc4j.transport.WaitSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One logged-in conversation between a client process and a server process: its channels, its shared memory, and
 * one report of how it ended.
 *
 * <ul>
 *   <li><b>Channels.</b> The init channels, opened with the session ({@link #channel(int)}), and more on demand from
 *       either side ({@link #openChannel}); the other side decides in its {@link #onChannel} handler. Each channel
 *       is a socket pair passed over the session's authenticated socket, plus a shared-memory ring for data unless
 *       the configuration says socket only.</li>
 *   <li><b>Memory.</b> {@link #arena()} is this side's session-scope arena (the peer maps it read-only),
 *       {@link #appArena()} the server's app-scope arena, which outlives sessions. {@link #lend} and {@link #borrow}
 *       move blocks across without copying.</li>
 *   <li><b>End.</b> {@link #onEnd} learns exactly once how the session ended: closed here, closed by the peer, or the
 *       peer gone (socket EOF, its pidfd, or the keep-alive: a ping every 2 s, gone after 5 s of silence, by default).
 *       On an error end every operation pending on the session's channels fails with a {@code PeerGoneException};
 *       in every case the session's channels, memory and threads are released.</li>
 * </ul>
 *
 * <p>Thread-safe. The session's socket is read by a {@link Runner} thread ({@link SessionConfig#runner()}, by default
 * the process's shared one): {@link #onEnd} handlers run there and must not block for long. Channel requests
 * ({@link #onChannel}) are handled on a set-up thread, since accepting one waits for the peer's handshake.
 */
public abstract sealed class Session implements AutoCloseable permits ClientSession, ServerSession {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.session");
    }
    /** How often the runner looks at the peer's pidfd while the socket is quiet (its EOF usually tells first). */
    private static final long PID_CHECK_NANOS = 100_000_000;
    /**
     * How often a runner that never sleeps (busy spin) reads a session socket that was not readable when last looked
     * at; a runner that sleeps learns from its sleep whether it is (a read in vain was a system call on every wake-up
     * of a session whose messages come more than this apart, and some 50 us of a fresh process's first request).
     */
    private static final long QUIET_READ_NANOS = 1_000_000;
    /** How long an ending session waits for a peer whose socket closed to have exited (a hung peer costs this once). */
    private static final Duration PEER_EXIT_WAIT = Duration.ofMillis(250);

    private final long id;
    private final long token;
    private final SessionPeer peer;
    private final PeerIdentity peerIdentity;
    private final Channel control;
    private final PidFd peerPid;
    private final SessionConfig config;
    private final SessionMemory memory;
    private final CounterRecord counters;
    private final List<Channel> initChannels;
    private final List<byte[]> initMetadata;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final Map<Long, PendingOpen> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextRequest = new AtomicLong(1);
    private final java.util.concurrent.Executor worker = SessionTasks.EXECUTOR;
    private final CompletableFuture<SessionEnd> ended = new CompletableFuture<>();
    private final AtomicBoolean ending = new AtomicBoolean();
    private final CountDownLatch peerFinished = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean releasing = new AtomicBoolean();
    private final ArrayDeque<ChannelRequest> waitingRequests = new ArrayDeque<>();
    private Consumer<ChannelRequest> channelHandler;
    /** The server's tap, if it has one: sees every message of the session's message channels (null: none). */
    private volatile SessionTap tap;
    /** Sees channel requests before {@link #channelHandler}: the server's (null: none). */
    private volatile Predicate<ChannelRequest> interceptor;
    private volatile Runner.Attachment reader;
    private final ControlReader controlReader = new ControlReader();
    private boolean byeFromPeer; // reader (the control agent's driver) only
    private volatile Runnable onReleased = () -> { };

    Session(long id, long token, SessionPeer peer, Channel control, PidFd peerPid, SessionConfig config,
            SessionMemory memory, List<Channel> initChannels, List<byte[]> initMetadata, CounterRecord counters) {
        this.id = id;
        this.token = token;
        this.peer = peer;
        this.peerIdentity = peer.process();
        this.control = control;
        this.peerPid = peerPid;
        this.config = config;
        this.memory = memory;
        this.initChannels = List.copyOf(initChannels);
        this.initMetadata = List.copyOf(initMetadata);
        this.channels.addAll(initChannels);
        this.counters = counters;
        counters.setOrdered(SessionField.PEER_ALIVE, 1);
        counters.add(SessionField.CHANNELS_OPENED, initChannels.size());
        memory.countInto(counters);
    }

    /** Starts reading the control socket on the configured runner: from now on requests, ends and deaths are seen. */
    final void start() {
        reader = runner().attach(controlReader);
    }

    final void onReleased(Runnable hook) {
        this.onReleased = hook;
    }

    // ---------------------------------------------------------------------------------------------------- facts

    /** The session's number, given by the server (unique among its sessions). */
    public long id() {
        return id;
    }

    /**
     * This session's live counters ({@code ipc4j stat} shows them): channels set up, whether the peer lives, errors by
     * category. The layers above count into it (a message channel adds its own record under it, and its errors here).
     */
    public CounterRecord counters() {
        return counters;
    }

    /**
     * The tap of this session's server, or null: the message layer shows it each message that crosses (see
     * {@link SessionTap}). A client's sessions have none.
     */
    public SessionTap tap() {
        return tap;
    }

    void tap(SessionTap tap) {
        this.tap = tap;
    }

    void interceptChannels(Predicate<ChannelRequest> interceptor) {
        this.interceptor = interceptor;
    }

    /** Who is on the other side, as the kernel reported it. */
    public SessionPeer peer() {
        return peer;
    }

    /**
     * The runner that reads this session's socket ({@link SessionConfig#runner()}, else {@link Runner#shared()}), and by
     * default drives the message channels over its channels too.
     */
    public Runner runner() {
        return config.runner().orElseGet(Runner::shared);
    }

    /** The server app's description (both sides have it). */
    public abstract ServerApp serverApp();

    // ------------------------------------------------------------------------------------------------- channels

    /** How many init channels the session was opened with. */
    public int initChannelCount() {
        return initChannels.size();
    }

    /** Init channel {@code index} (0-based), opened together with the session. */
    public Channel channel(int index) {
        Objects.checkIndex(index, initChannels.size());
        return initChannels.get(index);
    }

    /** The metadata init channel {@code index} was asked for with (a copy). */
    public byte[] channelMetadata(int index) {
        Objects.checkIndex(index, initMetadata.size());
        return initMetadata.get(index).clone();
    }

    /**
     * Asks the peer for a new channel, described by {@code metadata} (at most 64 KiB, for the peer's handler to read).
     * The future completes with the channel, or exceptionally with {@link ChannelRefusedException} (the peer said no),
     * {@link SessionTimeoutException} (no answer within {@code timeout}) or {@link SessionClosedException}; the
     * session goes on in every case.
     */
    public CompletableFuture<Channel> openChannelAsync(byte[] metadata, Duration timeout) {
        Control.checkMetadata(metadata);
        CompletableFuture<Channel> future = new CompletableFuture<>();
        if (ending.get()) {
            return CompletableFuture.failedFuture(closed(null));
        }
        UnixSocket[] pair;
        try {
            pair = UnixSocket.pair();
        } catch (ErrnoException e) {
            return CompletableFuture.failedFuture(e);
        }
        long request = nextRequest.getAndIncrement();
        pending.put(request, new PendingOpen(pair[0], future, System.nanoTime() + timeout.toNanos(), timeout));
        try {
            send(new Control.Open(request, metadata.clone()), pair[1]);
        } catch (IOException | TransportException e) {
            PendingOpen p = pending.remove(request);
            if (p != null) {
                Closing.quietly(p.near());
            }
            return CompletableFuture.failedFuture(e instanceof TransportException ? closed(e) : e);
        } finally {
            closeDescriptor(pair[1]); // the peer has it now: shutting it down would cut the channel off
        }
        Runner.Attachment r = reader;
        if (r != null) {
            r.wake(); // the control reader expires unanswered requests: it must wake by this one's deadline
        }
        return future;
    }

    /** The blocking twin of {@link #openChannelAsync}. */
    public Channel openChannel(byte[] metadata, Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<Channel> future = openChannelAsync(metadata, timeout);
        try {
            // The future times out by itself; the margin only covers a channel whose handshake is under way then.
            return future.get(timeout.toNanos() + config.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Ipc4jException ipc) {
                throw ipc;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("opening a channel failed", e.getCause());
        } catch (TimeoutException e) {
            future.thenAccept(Channel::close); // should it still arrive
            throw new SessionTimeoutException("no channel within " + timeout.plus(config.handshakeTimeout()));
        }
    }

    /**
     * Who decides on channels the peer asks for: {@code handler} gets each {@link ChannelRequest} (on a session
     * thread) and accepts or refuses it; one it leaves undecided is refused when it returns. Requests that arrived
     * before a handler was set were kept, and are handed over now, in order. Without a handler, requests wait (and
     * the peer's own timeout refuses them).
     */
    public void onChannel(Consumer<ChannelRequest> handler) {
        Objects.requireNonNull(handler, "handler");
        List<ChannelRequest> waiting;
        synchronized (waitingRequests) {
            channelHandler = handler;
            waiting = List.copyOf(waitingRequests);
            waitingRequests.clear();
        }
        waiting.forEach(r -> dispatch(handler, r));
    }

    // --------------------------------------------------------------------------------------------------- memory

    /** This side's session-scope arena: blocks allocated here are freed when the session ends at the latest. */
    public ShmArena arena() {
        return memory.mine();
    }

    /**
     * The server's app-scope arena, which outlives sessions: the server allocates in it, a client reads what it
     * borrows from it (its mapping is read-only).
     */
    public ShmArena appArena() {
        return memory.app();
    }

    /** The handle to send to the peer for a block of {@link #arena()} or (on the server) {@link #appArena()}. */
    public SessionHandle lend(ShmBlock block) {
        return memory.lend(block);
    }

    /**
     * Takes a hold on a block the peer (or this side) lent, mapping its arena on first use; every field is checked
     * first (a forged handle gives a typed {@code ShmException}). Close the lease when done.
     */
    public Lease borrow(SessionHandle handle) {
        return memory.borrow(handle);
    }

    /** See {@link ServerSession#shareAppSegment}. */
    final void shareApp(int segment) {
        memory.share(segment);
    }

    // ------------------------------------------------------------------------------------------------------ end

    /**
     * Runs {@code handler} once, when the session has ended (at once if it already has), with how it ended. Each
     * handler registered runs exactly once.
     */
    public void onEnd(Consumer<SessionEnd> handler) {
        Objects.requireNonNull(handler, "handler");
        ended.thenAccept(end -> {
            try {
                handler.accept(end);
            } catch (RuntimeException | Error e) { // a handler's failure, whatever it is, is not the session's
                Log.LOG.log(System.Logger.Level.WARNING, "a session end handler threw", e);
            }
        });
    }

    /** The control channel and its token (tests forge control messages with them). */
    Channel controlChannel() {
        return control;
    }

    long controlToken() {
        return token;
    }

    /** Completes once the session has ended, with how. */
    public CompletableFuture<SessionEnd> ended() {
        return ended.copy();
    }

    public boolean isOpen() {
        return !ending.get();
    }

    /**
     * Ends the session in good order: the channels are ended (the peer receives what was sent), the peer is told,
     * and this waits up to the configured close timeout for it to let go of what it borrowed before the memory is
     * released. Idempotent; returns once the session's resources are released.
     */
    @Override
    public void close() {
        if (!ending.compareAndSet(false, true)) {
            awaitReleased();
            return;
        }
        try {
            bestEffort("closing its channels", this::closeChannels);
            bestEffort("failing what was pending", () -> failPending(closed(null)));
            send(new Control.Bye());
            if (!awaitPeerFinished()) {
                Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": the peer did not finish within "
                        + config.closeTimeout() + "; releasing anyway");
            }
        } catch (IOException | Ipc4jException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "session " + id + ": the peer is gone already", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": ending it failed; releasing anyway", e);
        } finally {
            ended.complete(new SessionEnd.ClosedHere());
            release(false);
        }
    }

    /**
     * Waits (up to the close timeout) for the peer's answer to our BYE, which the control reader sees. Called on the
     * reader's own runner thread (e.g. a message handler closing its session), it drives the reader itself meanwhile:
     * waiting for the runner there would wait for ourselves.
     */
    private boolean awaitPeerFinished() throws InterruptedException {
        Runner.Attachment r = reader;
        if (r == null || !r.isDriverThread()) {
            return peerFinished.await(config.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        long deadline = System.nanoTime() + config.closeTimeout().toNanos();
        WaitSet waits = new WaitSet();
        while (peerFinished.getCount() > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            if (controlReader.doWork() > 0) {
                continue;
            }
            waits.clear();
            try {
                if (controlReader.prepareToSleep(waits)) {
                    waits.await(Math.min(left, 10_000_000));
                }
            } catch (TransportException e) {
                return false;
            } finally {
                controlReader.awoke();
            }
        }
        return true;
    }

    private void awaitReleased() {
        Runner.Attachment r = reader;
        if ((r != null && r.isDriverThread()) || Thread.currentThread().getName().equals("ipc4j-session-task")) {
            return; // a handler on a session thread: the release it would wait for may run after it returns
        }
        try {
            if (!released.await(config.closeTimeout().toMillis() * 2 + 1000, TimeUnit.MILLISECONDS)) {
                Log.LOG.log(System.Logger.Level.WARNING, "session " + id + " still releasing");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The peer said BYE first (having ended its channels): tell the user, give it the close timeout to read what the
     * peer sent (messages still in a ring) and to close its leases on the peer's memory, then release and answer BYE.
     */
    private void endByPeer() {
        try {
            ended.complete(new SessionEnd.ClosedByPeer());
            long deadline = System.nanoTime() + config.closeTimeout().toNanos();
            while (!quiet() && System.nanoTime() - deadline < 0) {
                try {
                    Thread.sleep(5); // user code is draining channels and closing leases; nothing signals that
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (!quiet()) {
                Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": after " + config.closeTimeout() + ", "
                        + memory.heldFromPeer() + " leases on the peer's memory are still open or a channel is not read to"
                        + " its end; releasing anyway");
            }
            bestEffort("closing its channels", this::closeChannels);
            bestEffort("failing what was pending", () -> failPending(closed(null)));
            send(new Control.Bye());
        } catch (IOException | Ipc4jException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "session " + id + ": answering BYE", e);
        } catch (RuntimeException | Error e) {
            // Whatever broke the graceful end (it runs on a pool thread, where it would vanish), the release runs.
            Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": ending it in good order failed; releasing anyway", e);
        } finally {
            release(false);
        }
    }

    /** The peer died, hung or misbehaved: fail everything pending with a peer-gone error, report, release. */
    private void endWithError(SessionEnd how, String why) {
        if (!ending.compareAndSet(false, true)) {
            return;
        }
        PeerGoneException cause = new PeerGoneException("session " + id + " with " + peer.app() + " (pid " + peer.process().pid()
                + ") ended: " + why);
        counters.add(SessionField.errors(how instanceof SessionEnd.ProtocolViolation ? Ipc4jException.Category.PROTOCOL_VIOLATION
                : Ipc4jException.Category.PEER_GONE), 1);
        boolean dead = false;
        try {
            for (Channel c : channels) {
                bestEffort("aborting a channel", () -> c.abort(cause));
            }
            bestEffort("failing what was pending", () -> failPending(closed(cause)));
            ended.complete(how);
            bestEffort("closing its channels", this::closeChannels);
            try {
                // A killed peer's socket reaches EOF while the kernel is still tearing the process down: give it a
                // moment to finish exiting, or its holds in our memory would not count as a dead process's and stay.
                dead = how instanceof SessionEnd.PeerGone ? peerPid.awaitExit(PEER_EXIT_WAIT) : peerPid.hasExited();
            } catch (ErrnoException e) {
                dead = false;
            }
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": ending it failed; releasing anyway", e);
        } finally {
            release(dead);
        }
    }

    /**
     * Releases everything the session holds. Each step runs whatever the one before threw (an {@link Error} included,
     * e.g. an InternalError from memory the peer truncated): a teardown that stopped half-way leaked the session's
     * socket and pidfd and held its server's shutdown for the whole close timeout.
     */
    private void release(boolean peerDied) {
        if (!releasing.compareAndSet(false, true)) {
            return; // once, whichever end got here first
        }
        try {
            bestEffort("releasing its shared memory", () -> memory.close(peerDied));
            bestEffort("closing its control channel", control::close);
            Runner.Attachment r = reader;
            if (r != null) {
                bestEffort("waking its reader", r::wake); // the control reader sees the closed socket and leaves
            }
            List<ChannelRequest> waiting;
            synchronized (waitingRequests) {
                waiting = List.copyOf(waitingRequests);
                waitingRequests.clear();
            }
            waiting.forEach(w -> bestEffort("discarding a channel request", w::discard));
            bestEffort("closing the peer's pidfd", () -> Closing.quietly(peerPid));
        } finally {
            counters.setOrdered(SessionField.PEER_ALIVE, 0);
            counters.close();
            released.countDown();
            onReleased.run();
        }
    }

    /** Runs one step of a teardown; whatever it throws is logged, and the teardown goes on. */
    private void bestEffort(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": " + what + " failed; the rest is released anyway", e);
        }
    }

    /** Nothing left for the user to take: no unread message in a ring, no lease on the peer's memory. */
    private boolean quiet() {
        for (Channel c : channels) {
            if (c.hasUnreadInput()) {
                return false;
            }
        }
        return memory.heldFromPeer() == 0;
    }

    private void closeChannels() {
        for (Channel c : channels) {
            c.close();
        }
    }

    private void failPending(Exception cause) {
        for (Long request : List.copyOf(pending.keySet())) {
            PendingOpen p = pending.remove(request);
            if (p != null) {
                Closing.quietly(p.near());
                p.future().completeExceptionally(cause);
            }
        }
    }

    private SessionClosedException closed(Throwable cause) {
        SessionEnd how = ended.getNow(null);
        return new SessionClosedException("session " + id + " has ended" + (how == null ? "" : " (" + how + ")"), cause);
    }

    // -------------------------------------------------------------------------------------------- control socket

    /**
     * Reads the session's socket on a runner thread: control messages, the peer's BYE, its end of stream, its death
     * (the pidfd, looked at while the socket is quiet). Done once the session has ended or the answer to our BYE came.
     */
    private final class ControlReader implements Agent {
        private boolean done;
        private long lastPidCheck = System.nanoTime();
        private long lastMemoryTick = System.nanoTime();

        @Override
        public int doWork() {
            if (done) {
                return 0;
            }
            try {
                long now = System.nanoTime();
                int expired = expireOpens(now);
                int n = 0;
                // Not readable when last looked at: no system call per cycle of a busy runner. The checks below are
                // made either way: prepareToSleep asks to be woken when they are due, so skipping them here would
                // wake the runner again at once, and again, until a cycle happened to outlast QUIET_READ_NANOS.
                if (control.blobs().mayHaveInput() || now - control.blobs().knownEmptyAt() >= QUIET_READ_NANOS) {
                    n = control.blobs().poll(Session.this::onControl, 16);
                    if (byeFromPeer) {
                        finish();
                        worker.execute(Session.this::endByPeer); // waits for the user to read: not on the runner
                        return 1;
                    }
                    if (peerFinished.getCount() == 0 || (ending.get() && !control.blobs().isOpen())) {
                        finish(); // the answer to our BYE (close() goes on), or released
                        return 1;
                    }
                    if (n == BlobPipe.ENDED) {
                        finish();
                        endWithError(new SessionEnd.PeerGone("the peer closed the session's socket without ending it", null),
                                "the peer closed the session's socket without ending it");
                        return 1;
                    }
                    now = System.nanoTime();
                }
                if (now - lastMemoryTick >= PID_CHECK_NANOS) {
                    lastMemoryTick = now;
                    String violation = memory.tick();
                    if (violation != null) {
                        finish();
                        endWithError(new SessionEnd.ProtocolViolation(violation, new ProtocolException(violation)),
                                "protocol violation on the memory socket: " + violation);
                        return 1;
                    }
                }
                if (n == 0 && now - lastPidCheck >= PID_CHECK_NANOS) {
                    lastPidCheck = now;
                    if (peerPid.hasExited()) {
                        finish();
                        String why = "peer process " + peer.process().pid() + " exited";
                        endWithError(new SessionEnd.PeerGone(why, null), why);
                        return 1;
                    }
                }
                return n + expired;
            } catch (PipeClosedException e) {
                finish(); // closed here (by the release): nothing to report
                if (byeFromPeer) {
                    worker.execute(Session.this::endByPeer);
                }
            } catch (ControlFailure e) {
                failed(new SessionEnd.ProtocolViolation(e.cause.getMessage(), e.cause), "protocol violation: " + e.getMessage());
            } catch (PeerGoneException e) {
                failed(new SessionEnd.PeerGone(e.getMessage(), e), e.getMessage());
            } catch (TransportException e) { // a ProtocolException: the sealed set has no other member left
                failed(new SessionEnd.ProtocolViolation(e.getMessage(), e), "protocol violation: " + e.getMessage());
            } catch (ErrnoException | RuntimeException e) {
                Log.LOG.log(System.Logger.Level.ERROR, "session " + id + ": reading its socket failed", e);
                failed(new SessionEnd.ProtocolViolation(e.toString(), e), e.toString());
            }
            return 1;
        }

        /**
         * Reading broke. When the peer's BYE came first, in the same read (it then hung up, reset, or sent garbage),
         * the session ends as the peer asked: the BYE already marked it ending, so {@code endWithError} would leave
         * it unreleased (its socket, pidfd and memory kept until the process ends).
         */
        private void failed(SessionEnd how, String why) {
            finish();
            if (byeFromPeer) {
                worker.execute(Session.this::endByPeer);
            } else {
                endWithError(how, why);
            }
        }

        private void finish() {
            done = true;
            peerFinished.countDown();
        }

        @Override
        public boolean prepareToSleep(WaitSet waits) {
            if (done) {
                return false;
            }
            waits.wakeBy(Math.min(lastPidCheck, lastMemoryTick) + PID_CHECK_NANOS);
            long open = nextOpenDeadline();
            if (open != Long.MAX_VALUE) {
                waits.wakeBy(open);
            }
            return control.blobs().prepareToSleep(waits);
        }

        @Override
        public void awoke() {
            control.blobs().awoke();
        }

        @Override
        public boolean isDone() {
            return done;
        }

        @Override
        public void onRemoved() {
            if (!done) { // the runner was closed under a live session: it can no longer see the peer
                finish();
                endWithError(new SessionEnd.PeerGone("the runner reading the session was closed", null),
                        "the runner reading the session was closed");
            }
        }

        @Override
        public String toString() {
            return "ControlReader[session " + id + "]";
        }
    }

    /**
     * A socket from a descriptor the peer sent; when it is not one, the descriptor is closed here (once released, the
     * handle closes nothing: a descriptor that was not a socket used to stay open for good).
     */
    static UnixSocket adoptSocket(NativeHandle handle, String description) throws ErrnoException {
        Fd fd = Fd.adopt(handle.release());
        try {
            return UnixSocket.adopt(fd, description);
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(fd);
            throw e;
        }
    }

    private void onControl(BlobView blob) {
        List<NativeHandle> handles = blob.handles();
        Control.Message m;
        try {
            m = Control.decode(ByteBuffer.wrap(blob.toArray()), token, handles.size());
        } catch (ProtocolException e) {
            handles.forEach(Closing::quietly);
            throw new ControlFailure(e);
        }
        switch (m) {
            case Control.Open o -> {
                UnixSocket socket;
                try {
                    socket = adoptSocket(handles.getFirst(), "UnixSocket[session " + id + " channel]");
                } catch (ErrnoException e) {
                    throw new ControlFailure(new ProtocolException("channel request without a usable socket: " + e.getMessage()));
                } finally {
                    handles.forEach(Closing::quietly); // what was not adopted (released handles close nothing)
                }
                ChannelRequest request = new ChannelRequest(this, o.requestId(), o.metadata(), socket);
                Predicate<ChannelRequest> first = interceptor;
                if (first == null) {
                    route(request);
                } else {
                    intercept(first, request);
                }
            }
            case Control.Opened o -> {
                PendingOpen p = pending.remove(o.requestId());
                if (p != null) {
                    worker.execute(() -> finishOpen(p));
                }
            }
            case Control.OpenRefused o -> {
                PendingOpen p = pending.remove(o.requestId());
                if (p != null) {
                    Closing.quietly(p.near());
                    p.future().completeExceptionally(new ChannelRefusedException("the peer refused the channel: " + o.reason()));
                }
            }
            case Control.Bye b -> {
                if (ending.compareAndSet(false, true)) {
                    byeFromPeer = true; // the read loop ends the session once this handler has returned
                } else {
                    peerFinished.countDown(); // the answer to our own BYE
                }
            }
            case Control.Login l -> throw new ControlFailure(new ProtocolException("a second log-in within a session"));
            case Control.LoginOk o -> throw new ControlFailure(new ProtocolException("a log-in answer within a session"));
            case Control.Refused r -> throw new ControlFailure(new ProtocolException("a refusal within a session"));
        }
    }

    private void finishOpen(PendingOpen p) {
        try {
            Channel c = newChannel(p.near(), true);
            if (!p.future().complete(c)) {
                c.close(); // timed out meanwhile
            }
        } catch (IOException | RuntimeException e) {
            p.future().completeExceptionally(e);
        }
    }

    /** To the session's handler, or kept until there is one. */
    private void route(ChannelRequest request) {
        Consumer<ChannelRequest> handler;
        synchronized (waitingRequests) {
            handler = channelHandler;
            if (handler == null) {
                waitingRequests.add(request);
            }
        }
        if (handler != null) {
            dispatch(handler, request);
        }
    }

    /** The server's interceptor sees it first (on a set-up thread: it may set a channel up); what it leaves is routed. */
    private void intercept(Predicate<ChannelRequest> first, ChannelRequest request) {
        try {
            worker.execute(() -> {
                boolean taken;
                try {
                    taken = first.test(request);
                } catch (RuntimeException | Error e) {
                    Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": a channel interceptor threw", e);
                    request.refuseIfUndecided("the server's channel interceptor failed");
                    return;
                }
                if (!taken) {
                    route(request);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            request.discard();
        }
    }

    private void dispatch(Consumer<ChannelRequest> handler, ChannelRequest request) {
        if (released.getCount() == 0) {
            request.discard();
            return;
        }
        try {
            worker.execute(() -> {
                try {
                    handler.accept(request);
                } catch (RuntimeException | Error e) {
                    Log.LOG.log(System.Logger.Level.WARNING, "session " + id + ": a channel handler threw", e);
                } finally {
                    request.refuseIfUndecided("the peer's channel handler neither accepted nor refused it");
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            request.discard();
        }
    }

    /**
     * {@link Channel#adopt} for the session layer's own socket-pair ends and pidfds: both are taken over (closed with
     * the channel, or on failure).
     */
    static Channel adoptChannel(UnixSocket socket, Channel.Role role, Channel.Config config, PeerIdentity peer, PidFd peerPid)
            throws TransportException {
        NativeHandle s;
        NativeHandle p;
        try {
            s = NativeHandle.adopt(socket.fd().release());
        } catch (ErrnoException e) {
            Closing.quietly(peerPid);
            throw new IllegalStateException("the socket was closed before its channel was set up: " + socket, e);
        }
        try {
            p = peerPid == null ? null : NativeHandle.adopt(peerPid.fd().release());
        } catch (ErrnoException e) {
            Closing.quietly(s);
            throw new IllegalStateException("the pidfd was closed before its channel was set up: " + peerPid, e);
        }
        return Channel.adopt(s, role, config, peer, p);
    }

    /** Sets a channel up over a socket-pair end whose other end the peer has; it is closed with the session. */
    Channel newChannel(UnixSocket socket, boolean createsRing) throws IOException {
        if (ending.get()) {
            Closing.quietly(socket);
            throw closed(null);
        }
        PidFd pid;
        try {
            pid = peerPid.dup();
        } catch (ErrnoException e) {
            Closing.quietly(socket);
            throw e;
        }
        Channel c = adoptChannel(socket, createsRing ? Channel.Role.ACCEPTOR : Channel.Role.CONNECTOR, config.channels(), peerIdentity, pid);
        channels.add(c);
        counters.add(SessionField.CHANNELS_OPENED, 1);
        if (ending.get()) { // ended while we set it up: the release may have missed it
            channels.remove(c);
            c.close();
            throw closed(null);
        }
        return c;
    }

    void send(Control.Message m, UnixSocket... attach) throws IOException {
        Handshake.send(control, m, token, List.of(attach));
    }

    static void closeDescriptor(UnixSocket socket) {
        try {
            socket.closeDescriptor();
        } catch (ErrnoException ignored) {
            // nothing more to release
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + id + " with " + peer.app() + " pid " + peer.process().pid()
                + (ending.get() ? ", ended]" : "]");
    }

    /** A channel this side asked for, waiting for the peer's answer. */
    private record PendingOpen(UnixSocket near, CompletableFuture<Channel> future, long deadline, Duration timeout) {}

    /** Fails the channel requests the peer did not answer in time (the control reader's duty); returns how many. */
    private int expireOpens(long now) {
        if (pending.isEmpty()) {
            return 0;
        }
        int n = 0;
        for (Map.Entry<Long, PendingOpen> e : pending.entrySet()) {
            PendingOpen p = e.getValue();
            if (now - p.deadline() >= 0 && pending.remove(e.getKey(), p)) {
                Closing.quietly(p.near());
                p.future().completeExceptionally(new SessionTimeoutException(
                        "the peer did not answer a channel request within " + p.timeout()));
                n++;
            }
        }
        return n;
    }

    /** The earliest deadline of an unanswered channel request, or {@link Long#MAX_VALUE}. */
    private long nextOpenDeadline() {
        long next = Long.MAX_VALUE;
        for (PendingOpen p : pending.values()) {
            if (p.deadline() - next < 0) {
                next = p.deadline();
            }
        }
        return next;
    }

    /** Carries a protocol error out of the control handler (a lambda cannot throw checked exceptions). */
    private static final class ControlFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        final ProtocolException cause;

        ControlFailure(ProtocolException cause) {
            super(cause.getMessage(), cause, false, false);
            this.cause = cause;
        }
    }
}
