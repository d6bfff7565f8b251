package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.NativeHandle;
import dev.ipc4j.counters.ChannelField;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.counters.SessionField;
import dev.ipc4j.os.Closing;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionEnd;
import dev.ipc4j.session.SessionTap;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.transport.Agent;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.BlobView;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerGoneException;
import dev.ipc4j.transport.PipeClosedException;
import dev.ipc4j.transport.RingPipe;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.TransportException;
import dev.ipc4j.transport.WaitSet;
import dev.ipc4j.transport.WaitStrategy;
import dev.ipc4j.transport.Waiter;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The caller-driven core of structured messages over one channel of a session (Flow-IPC's {@code sync_io} objects,
 * Aeron's {@code poll(handler, limit)}): it owns no thread. Whoever drives it ({@link #poll}, a {@link Runner} it is
 * attached to as an {@link Agent}, or a thread blocked in {@link #request(OutMessage, Duration)}) reads frames and runs
 * their handlers inline, on the driving thread; a handler may reply inline. {@link MessageChannel} is this endpoint on
 * a runner, with the simple API.
 *
 * <p>Sending:
 * <ul>
 *   <li>{@link #offer}, {@link #offerReply} never wait and never queue: they return {@link #BACK_PRESSURED} when the
 *       ring is full (the peer reads slower than we write).</li>
 *   <li>{@link #send}, {@link #reply}, {@link #request(OutMessage)}, streams: from an application thread they wait for
 *       ring room; from the driving thread (a handler) they never wait: a frame that finds the ring full waits in a
 *       bounded queue sent first on the next cycle, and past the bound they throw {@link BackPressureException}.</li>
 *   <li>{@link #request(OutMessage, Duration)} blocks; the waiting thread drives the endpoint itself (so a response
 *       reaches it with no hand-off between threads), and the runner stands aside meanwhile. It is refused from a
 *       handler: that would wait for a response only the waiting thread could read.</li>
 * </ul>
 *
 * <p>Flow control: messages this side has received and not yet closed (handled, waiting for a handler of their type,
 * or held by the user) are counted, with their bytes; at {@link MessageChannel.Config#maxUnhandled()} or
 * {@link MessageChannel.Config#maxUnhandledBytes()} the endpoint stops reading, the ring fills and the peer's sends
 * are back-pressured; closing messages resumes reading. The same happens while the deferred-send queue is full. So a
 * peer can never make us hold an unbounded number of its blocks, and memory never grows with a slow reader.
 *
 * <p>Threads and invariants:
 * <ul>
 *   <li>{@code driveLock} is held by whoever reads frames (one thread at a time); a runner holds it from
 *       {@link #prepareToSleep} to {@link #awoke()} too, and stands aside while a requester waits ({@link StandAside}:
 *       the last requester to leave hands the channel back to it).</li>
 *   <li>Every request is in {@code pending} before its frame is sent; whoever removes it completes it (the driver with
 *       the response, a timeout, the end of the channel), so each completes exactly once.</li>
 *   <li>The endpoint ends once ({@code closing}); what is pending then fails with {@link ChannelClosedException}; the
 *       error handler learns of an error end exactly once.</li>
 *   <li>Sends, {@link #expect}, {@link #close()} are thread-safe; {@link #poll} takes the drive lock.</li>
 * </ul>
 *
 * @param <R> the root type of the channel's {@link Codec}
 */
public final class MessageEndpoint<R> implements Agent, AutoCloseable {
    /** What an {@code offer} returns when the ring has no room: nothing was sent. */
    public static final long BACK_PRESSURED = -1;
    /** Frames one runner cycle reads at most from one endpoint, so others on the thread get their turn. */
    static final int CYCLE_LIMIT = 64;
    /**
     * The longest a thread driving a blocking request spins before it yields and sleeps, whatever a backoff wait
     * strategy counts (a busy spin spins on): a cycle of the endpoint costs far more than a ring's own check, and on a busy machine a spinning driver
     * takes the CPU its peer needs to answer.
     */
    static final long MAX_SPIN_NANOS = 4_000;
    /** Descriptor frames that may wait for the ring frame naming them. */
    private static final int MAX_WAITING_FD_FRAMES = 64;
    /** How soon a driver with deferred frames looks for ring room again (room is announced by no descriptor). */
    private static final long DEFERRED_RETRY_NANOS = 200_000;
    private static final long STEAL_SLICE_NANOS = 50_000;
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.message");
    }
    private static final AtomicLong ENDPOINTS = new AtomicLong();
    /** The endpoint this thread is driving now (handlers run inside): sends defer, blocking requests are refused. */
    private static final ThreadLocal<MessageEndpoint<?>> DRIVING = new ThreadLocal<>();

    /** A streamed request of this side: its handle and where its items go. */
    private record StreamRequest<R>(StreamCall call, MessageHandler<R> handler) {}

    /** A message routed to its handler, to run on the driving thread. */
    private record Delivery<R>(MessageHandler<R> handler, InMessage<R> message) {}

    private final Session session;
    private final Channel channel;
    private final Codec<R> codec;
    private final MessageChannel.Config config;
    private final MessageReader<R> reader;
    private final MessageWriter writer;
    private final Router<R> router;
    private final String name;
    /** This endpoint's number in the process: its counters' id, and what a tap calls its channel. */
    private final long number;
    private final AtomicLong nextId = new AtomicLong(1);
    private final PendingRequests<PendingResponse> pending = new PendingRequests<>();
    private final Map<Long, StreamRequest<R>> calls = new ConcurrentHashMap<>();
    private final Set<Long> draining = ConcurrentHashMap.newKeySet(); // cancelled streams until their STREAM_END
    private final Map<Long, ResponseStream> responding = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Delivery<R>> ready = new ConcurrentLinkedQueue<>();
    private final Map<Long, Call<R>> myCalls = new ConcurrentHashMap<>();   // opened here, by our call id
    private final Map<Long, Call<R>> peerCalls = new ConcurrentHashMap<>(); // opened by the peer, by its call id
    private final Map<Integer, CallHandler<R>> callHandlers = new ConcurrentHashMap<>();
    /** Calls with a deadline, earliest first (guarded by itself). */
    private final java.util.PriorityQueue<Call<R>> deadlines =
            new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Call::deadlineNanos));
    private volatile boolean deadlinesEmpty = true; // written under the queue's lock
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<MessageException> failure = new CompletableFuture<>();
    private final InMessage.ClosedHook closedHook = m -> released(m.heldBytes());
    private volatile ChannelClosedException closedCause;
    private volatile Consumer<UnexpectedResponse> unexpectedListener =
            u -> Log.LOG.log(System.Logger.Level.WARNING, "unexpected response: " + u);

    private final ReentrantLock driveLock = new ReentrantLock();
    /** The requesters that drive by hand, and whether the runner sleeps aside meanwhile. */
    private final StandAside standAside = new StandAside();
    private volatile Runner.Attachment attachment;
    private final AtomicInteger unhandled = new AtomicInteger();
    private final AtomicLong unhandledBytes = new AtomicLong();
    private volatile boolean starved;

    /** This channel's live counters, a child of the session's record; closed when the channel has ended. */
    private final CounterRecord counters;
    private final dev.ipc4j.transport.BlobHandler onBlob = this::onBlob; // one object, not one per poll
    // Driver only (under driveLock):
    private MessageReader.Checked<R> received;
    private MalformedMessageException rejected;
    private MessageReader.Checked<R> awaitingFds;
    private long awaitingDeadline;
    private final Map<Long, List<NativeHandle>> fdFrames = new HashMap<>();
    private MalformedMessageException badFdFrame;
    private volatile boolean runnerArmed; // the runner sleeps with the channel's wake-up armed
    /**
     * The latest time ({@link System#nanoTime()}) a runner that sleeps looks at this endpoint again (its sleep's check
     * interval, from when it began arming): a deadline scheduled after it needs no wake-up. Written before the runner
     * reads {@link #deadlinesEmpty}, read after a scheduler writes it (both volatile): one of the two sees the other.
     */
    private volatile long runnerLooksBy = Long.MIN_VALUE;
    private Waiter armedAs;               // who armed the channel's wake-up last (under driveLock)
    private boolean awaitingOnSocket;
    private WaitSet ownWaits;
    private boolean cleaned;

    private MessageEndpoint(Session session, Channel channel, Codec<R> codec, MessageChannel.Config config) {
        this.session = session;
        this.channel = channel;
        this.codec = codec;
        this.config = config;
        this.reader = new MessageReader<>(session, codec);
        long number = ENDPOINTS.incrementAndGet();
        this.counters = config.counters() ? session.counters().child(RecordType.CHANNEL, number,
                "channel " + number + " " + codec.getClass().getSimpleName()) : CounterRecord.detached(RecordType.CHANNEL);
        this.writer = new MessageWriter(session, channel, config.maxDeferred(), config.maxDeferredBytes(), config.inlineBelow(),
                counters, number, codec);
        this.number = number;
        this.name = "ipc4j-endpoint-" + number;
        this.router = new Router<>((h, m) -> ready.add(new Delivery<>(h, m)), Integer.MAX_VALUE);
    }

    /**
     * A caller-driven endpoint over {@code channel}, a channel of {@code session}, which it owns from now on (closing
     * it closes the channel). Nothing happens until it is driven: call {@link #poll} (or attach it to a
     * {@link Runner}). Both sides must use the message protocol on the channel and nothing else.
     */
    public static <R> MessageEndpoint<R> over(Session session, Channel channel, Codec<R> codec, MessageChannel.Config config) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(config, "config");
        MessageEndpoint<R> ep = new MessageEndpoint<>(session, channel, codec, config);
        session.onEnd(ep::sessionEnded);
        return ep;
    }

    /** Attached to a runner: how this endpoint wakes its thread (package-private: {@link MessageChannel} does it). */
    void attachedTo(Runner.Attachment attachment) {
        this.attachment = attachment;
    }

    // ------------------------------------------------------------------------------------------------- building

    /** A message of type 0 with room for {@code capacity} payload bytes; see {@link #newMessage(long, int)}. */
    public OutMessage newMessage(long capacity) {
        return newMessage(capacity, 0);
    }

    /**
     * A message with room for {@code capacity} payload bytes: in the session's shared memory when the channel has a
     * ring and the message is not small (limited only by the arena), else in native memory sent inline (limited by
     * the pipe's message size, 64 MiB by default). Write {@link OutMessage#payload()}, then
     * {@link OutMessage#commit} the length if it is less than the capacity. Thread-safe.
     */
    public OutMessage newMessage(long capacity, int type) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative capacity " + capacity);
        }
        if (channel.hasRing() && capacity >= config.inlineBelow()) {
            return OutMessage.inBlock(session.arena().allocate(Math.max(1, capacity)), capacity, type);
        }
        return OutMessage.inline(capacity, type);
    }

    // -------------------------------------------------------------------------------------------------- sending

    /** Sends a notification (no answer expected); returns its id. Waits for room only on an application thread. */
    public long send(OutMessage out) throws MessageException {
        long id = nextId.getAndIncrement();
        transmit(Kind.NOTIFY, out, id, 0, sendMode());
        return id;
    }

    /**
     * Sends the response to {@code inResponseTo}, a request the peer sent on this channel; returns its id. A response
     * the requester no longer waits for is reported to both sides ({@link #onUnexpectedResponse}).
     */
    public long send(OutMessage out, InMessage<R> inResponseTo) throws MessageException {
        Objects.requireNonNull(inResponseTo, "inResponseTo");
        long id = nextId.getAndIncrement();
        transmit(Kind.RESPONSE, out, id, inResponseTo.id(), sendMode());
        return id;
    }

    /** The same as {@link #send(OutMessage, InMessage)}: answers {@code request}. */
    public long reply(OutMessage out, InMessage<R> request) throws MessageException {
        return send(out, request);
    }

    /**
     * Sends a notification if the ring has room now: its id, or {@link #BACK_PRESSURED} (nothing sent). Never waits,
     * never queues; any thread.
     */
    public long offer(OutMessage out) throws MessageException {
        long id = nextId.getAndIncrement();
        return transmit(Kind.NOTIFY, out, id, 0, MessageWriter.Mode.TRY) ? id : BACK_PRESSURED;
    }

    /** Answers {@code request} if the ring has room now: the response's id, or {@link #BACK_PRESSURED}. */
    public long offerReply(OutMessage out, InMessage<R> request) throws MessageException {
        Objects.requireNonNull(request, "request");
        long id = nextId.getAndIncrement();
        return transmit(Kind.RESPONSE, out, id, request.id(), MessageWriter.Mode.TRY) ? id : BACK_PRESSURED;
    }

    /**
     * Sends a request; the future completes, on the driving thread, with the response (its to close), or exceptionally
     * with {@link ChannelClosedException}. Cancelling the future (or timing it out) gives up on the response, which is
     * then an unexpected one should it still come.
     */
    public CompletableFuture<InMessage<R>> request(OutMessage out) {
        PendingResponse future = new PendingResponse(nextId.getAndIncrement());
        pending.put(future);
        counters.add(ChannelField.CALLS_OPEN, 1);
        if (closing.get()) {
            future.completeExceptionally(closed());
            return future;
        }
        try {
            transmit(Kind.REQUEST, out, future.id, 0, sendMode());
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    /**
     * Sends a request and waits up to {@code timeout} for the response, driving the endpoint on this thread meanwhile
     * (handlers of other messages may run here).
     *
     * @throws MessageTimeoutException when none came in time (a later one is reported as unexpected on both sides)
     * @throws ChannelClosedException when the channel ended first (the cause says why, e.g. the peer is gone)
     * @throws IllegalStateException when called from a handler of a channel (use {@link #request(OutMessage)})
     */
    public InMessage<R> request(OutMessage out, Duration timeout) throws MessageException, InterruptedException {
        refuseInDriver("a blocking request");
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<InMessage<R>> future = request(out);
        awaitDriving(future, deadline);
        if (!future.isDone() && closing.get()) {
            return await(future); // the channel ends: its end fails what is pending, now
        }
        try {
            return future.get(0, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            MessageTimeoutException timedOut = new MessageTimeoutException("no response within " + timeout);
            if (future.completeExceptionally(timedOut)) {
                throw timedOut;
            }
            return await(future); // the response (or the end) raced the timeout
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /**
     * Drives this endpoint on the calling thread until {@code until} is done, {@code timeout} passes or the endpoint
     * ends, and says whether {@code until} is done. For a thread about to wait for what a listener of this channel does
     * when the peer answers (a call's close, its first message): the listener then runs here, on the thread that waits,
     * and the runner does not have to wake it (one thread wake-up saved per answer, as
     * {@link #request(OutMessage, Duration)} saves it). The runner stands aside meanwhile; listeners and handlers of
     * other messages may run on this thread too.
     *
     * <p>Returns at once, without driving: from a handler or listener of any channel (whose thread must not block);
     * when another thread drives this endpoint by hand already (it reads for everyone: the caller's answer reaches it
     * as it would have from the runner); on a virtual thread (a wait in the kernel would pin its carrier). A future
     * completed by another thread is seen when this one next wakes (a frame, a deadline of this channel, or the
     * timeout): keep the timeout short when that can happen. Blocks otherwise; any thread.
     *
     * @throws InterruptedException when interrupted while waiting for its turn to drive
     */
    public boolean driveUntil(Future<?> until, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(until, "until");
        if (DRIVING.get() == null && standAside.driversVolatile() == 0 && !Thread.currentThread().isVirtual()) {
            awaitDriving(until, System.nanoTime() + timeout.toNanos());
        }
        return until.isDone();
    }

    /**
     * A request's future, which leaves {@link #pending} however it completes (the response, a timeout, a cancel, the
     * end): overridden completions rather than a {@code whenComplete} stage, which would be three more objects per
     * request.
     */
    private final class PendingResponse extends CompletableFuture<InMessage<R>> implements PendingRequests.Keyed {
        private final long id;

        PendingResponse(long id) {
            this.id = id;
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public boolean complete(InMessage<R> value) {
            boolean done = super.complete(value);
            pending.remove(this);
            if (done) {
                counters.add(ChannelField.CALLS_OPEN, -1);
            }
            return done;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean done = super.completeExceptionally(ex);
            pending.remove(this);
            if (done) {
                counters.add(ChannelField.CALLS_OPEN, -1);
            }
            return done;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean done = super.cancel(mayInterruptIfRunning);
            pending.remove(this);
            if (done) {
                counters.add(ChannelField.CALLS_OPEN, -1);
            }
            return done;
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>(); // dependent stages are plain futures
        }
    }

    private InMessage<R> await(CompletableFuture<InMessage<R>> done) throws MessageException, InterruptedException {
        try {
            return done.get();
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /** What failed a request's future, thrown as itself: a MessageException, or a caller's mistake (unchecked). */
    private static MessageException unwrap(ExecutionException e) {
        switch (e.getCause()) {
            case MessageException m -> {
                return m;
            }
            // The pipe or session under the channel: the channel is what ended (a ShmException is the caller's, below).
            case Ipc4jException t when !(t instanceof ShmException) -> {
                return new ChannelClosedException("the request failed: " + t, t);
            }
            case RuntimeException r -> throw r; // e.g. a closed OutMessage, or one too large for a socket-only channel
            case Error err -> throw err;
            default -> {
                return new ChannelClosedException("the request failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * Sends a request answered by a stream: {@code onItem} gets each item (on the driving thread, in order) until the
     * responder ends the stream or {@link StreamCall#cancel()} is called.
     */
    public StreamCall requestStream(OutMessage out, MessageHandler<R> onItem) {
        Objects.requireNonNull(onItem, "onItem");
        long id = nextId.getAndIncrement();
        StreamCall call = new StreamCall(id, this);
        calls.put(id, new StreamRequest<>(call, onItem));
        call.future().whenComplete((v, e) -> {
            if (!call.isCancelled()) {
                calls.remove(id);
            }
        });
        if (closing.get()) {
            call.future().completeExceptionally(closed());
            return call;
        }
        try {
            transmit(Kind.STREAM_REQUEST, out, id, 0, sendMode());
        } catch (RuntimeException e) {
            call.future().completeExceptionally(e);
        }
        return call;
    }

    /**
     * The writer for the stream {@code request} asks for (a {@link InMessage#isStreamRequest() stream request} that
     * arrived on this channel); the same writer each time.
     */
    public ResponseStream openStream(InMessage<R> request) {
        ResponseStream stream = responding.get(request.id());
        if (stream == null || !request.isStreamRequest()) {
            throw new IllegalArgumentException(request + " is not an open stream request of this channel");
        }
        return stream;
    }

    void sendItem(OutMessage item, long requestId) throws MessageException {
        transmit(Kind.STREAM_ITEM, item, nextId.getAndIncrement(), requestId, sendMode());
    }

    void endStream(long requestId) throws MessageException {
        responding.remove(requestId);
        transmit(Kind.STREAM_END, null, nextId.getAndIncrement(), requestId, sendMode());
    }

    /** Our side cancels a stream: deliver nothing more, drop what is in flight until the responder's STREAM_END. */
    void cancelStream(long requestId) {
        if (calls.remove(requestId) == null) {
            return;
        }
        draining.add(requestId);
        try {
            transmit(Kind.CANCEL, null, nextId.getAndIncrement(), requestId, sendMode());
        } catch (MessageException e) {
            draining.remove(requestId); // the channel is over: nothing more will come
        }
    }

    /** Application threads wait for room; the driving thread (handlers) defers, bounded. */
    private MessageWriter.Mode sendMode() {
        return DRIVING.get() != null ? MessageWriter.Mode.DEFER : MessageWriter.Mode.WAIT;
    }

    /** Sends one frame (see {@link MessageWriter}), mapping transport failures to the channel's end. */
    private boolean transmit(Kind kind, OutMessage out, long id, long inResponseTo, MessageWriter.Mode mode)
            throws MessageException {
        return transmit(kind, out, id, inResponseTo, mode, 0);
    }

    private boolean transmit(Kind kind, OutMessage out, long id, long inResponseTo, MessageWriter.Mode mode, int flags)
            throws MessageException {
        if (closing.get()) {
            throw closed();
        }
        try {
            boolean sent = writer.write(kind, out, id, inResponseTo, mode, flags);
            if (sent && mode == MessageWriter.Mode.DEFER && writer.deferred() > 0) {
                wake(); // a driver that is not this thread must flush it
            }
            return sent;
        } catch (PipeClosedException e) {
            throw closing.get() ? closed() : new ChannelClosedException("the channel is closed", e);
        } catch (TransportException e) {
            throw new ChannelClosedException("sending failed: " + e.getMessage(), e);
        }
    }

    private void refuseInDriver(String what) {
        if (DRIVING.get() != null) {
            throw new IllegalStateException(what + " from inside a message handler would wait for a response that only"
                    + " this thread can read: use request(out) and act when its future completes");
        }
    }

    // ---------------------------------------------------------------------------------------------------- calls

    /**
     * Opens a call (message protocol version 2): the callee's {@link CallHandler} for {@code options.type()} gets it;
     * {@code listener} learns of its messages and its end, on the driving thread. The caller may send one message at
     * once (the initial credit) and more as the callee grants. Past {@code options.timeout()} the call ends here with
     * {@link Status#DEADLINE_EXCEEDED} and the callee is cancelled. Opening waits for ring room only on an application
     * thread, as {@link #send} does.
     */
    public Call<R> openCall(CallOptions options, CallListener<R> listener) throws MessageException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        long id = nextId.getAndIncrement();
        long deadline = deadline(options);
        Call<R> call = new Call<>(this, id, true, options, deadline, listener);
        myCalls.put(id, call);
        counters.add(ChannelField.CALLS_OPEN, 1);
        schedule(call);
        try (OutMessage body = Calls.open(options)) {
            transmit(Kind.CALL_OPEN, body, id, 0, sendMode());
        } catch (RuntimeException e) {
            callGone(myCalls.remove(id));
            unschedule(call);
            call.markEnded();
            throw e;
        }
        return call;
    }

    /**
     * {@code handler} gets every call of routing type {@code type} as it opens, on the driving thread. A call of a type
     * nobody handles is closed at once with {@link Status#UNIMPLEMENTED}.
     */
    public void onCall(int type, CallHandler<R> handler) {
        Objects.requireNonNull(handler, "handler");
        if (callHandlers.putIfAbsent(type, handler) != null) {
            throw new IllegalStateException("calls of type " + type + " have a handler already");
        }
    }

    private static long deadline(CallOptions options) {
        if (options.timeout().isEmpty()) {
            return Long.MAX_VALUE;
        }
        long nanos = options.timeout().get().toNanos(); // saturates for huge timeouts
        long now = System.nanoTime();
        return nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE - 1 : now + nanos;
    }

    private void schedule(Call<R> call) {
        if (call.deadlineNanos() == Long.MAX_VALUE) {
            return;
        }
        synchronized (deadlines) {
            deadlines.add(call);
            deadlinesEmpty = false;
        }
        // A sleeping runner must wake by this deadline; one that looks again before it anyway is left asleep (each call
        // with a deadline used to wake it, a thread wake-up per call for nothing).
        if (call.deadlineNanos() - runnerLooksBy < 0) {
            wake();
        }
    }

    private void unschedule(Call<R> call) {
        if (call.deadlineNanos() != Long.MAX_VALUE) {
            synchronized (deadlines) {
                deadlines.remove(call);
                deadlinesEmpty = deadlines.isEmpty();
            }
        }
    }

    /** The earliest deadline of an open call, or {@link Long#MAX_VALUE}. */
    private long nextDeadline() {
        if (deadlinesEmpty) {
            return Long.MAX_VALUE; // the common case, every cycle: no lock
        }
        synchronized (deadlines) {
            Call<R> c = deadlines.peek();
            return c == null ? Long.MAX_VALUE : c.deadlineNanos();
        }
    }

    /** Ends the calls whose deadline has passed: the caller's with DEADLINE_EXCEEDED, the callee's as cancelled. */
    private int expireDeadlines() {
        if (nextDeadline() == Long.MAX_VALUE) {
            return 0;
        }
        int n = 0;
        long now = System.nanoTime();
        while (true) {
            Call<R> c;
            synchronized (deadlines) {
                c = deadlines.peek();
                if (c == null || c.deadlineNanos() - now > 0) {
                    return n;
                }
                deadlines.poll();
                deadlinesEmpty = deadlines.isEmpty();
            }
            n++;
            Status expired = Status.DEADLINE_EXCEEDED.withDescription("deadline of " + c.options().timeout().orElseThrow()
                    + " exceeded");
            if (c.isCaller()) {
                cancelCall(c, expired, true);
            } else if (c.markEnded()) { // the callee tells the caller, and its handler learns it is cancelled
                callGone(peerCalls.remove(c.id()));
                try (OutMessage body = Calls.close(expired, Metadata.empty())) {
                    transmit(Kind.CALL_CLOSE, body, nextId.getAndIncrement(), c.id(), MessageWriter.Mode.DEFER,
                            Wire.PEER_CALL);
                } catch (MessageException e) {
                    Log.LOG.log(System.Logger.Level.DEBUG, name + ": telling the caller of an expired call", e);
                }
                notifyClose(c, expired, Metadata.empty());
            }
        }
    }

    /**
     * Sends a frame of {@code call}; returns its id. Call frames never wait, from any thread: the call's credit already
     * bounds its messages in flight, and each call sends few frames besides, so when the ring is full they are deferred
     * (sent in order by the driver as the peer reads; bounded by {@link MessageChannel.Config#maxDeferred()}, past which
     * {@link BackPressureException}). One mode for all of a call's frames keeps them in order: a half-close or close
     * never overtakes a deferred message.
     */
    long callFrame(Kind kind, OutMessage out, Call<R> call) throws MessageException {
        int flags = call.isCaller() ? 0 : Wire.PEER_CALL;
        long id = nextId.getAndIncrement();
        transmit(kind, out, id, call.id(), MessageWriter.Mode.DEFER, flags);
        return id;
    }

    /** The callee closes {@code call} (marked ended by it already): tells the caller. */
    void closeCall(Call<R> call, OutMessage body) throws MessageException {
        callGone(peerCalls.remove(call.id()));
        unschedule(call);
        transmit(Kind.CALL_CLOSE, body, nextId.getAndIncrement(), call.id(), MessageWriter.Mode.DEFER, Wire.PEER_CALL);
    }

    /** Ends {@code call} here with {@code status}: telling the peer (CALL_CANCEL) when {@code tellPeer}. */
    void cancelCall(Call<R> call, Status status, boolean tellPeer) {
        if (!call.markEnded()) {
            return;
        }
        (call.isCaller() ? myCalls : peerCalls).remove(call.id());
        unschedule(call);
        if (tellPeer && !closing.get()) {
            try (OutMessage why = Calls.cancel(status)) {
                transmit(Kind.CALL_CANCEL, why, nextId.getAndIncrement(), call.id(), MessageWriter.Mode.DEFER,
                        call.isCaller() ? 0 : Wire.PEER_CALL);
            } catch (MessageException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, name + ": telling the peer of a cancelled call", e);
            }
        }
        notifyClose(call, status, Metadata.empty());
    }

    private void notifyClose(Call<R> call, Status status, Metadata trailers) {
        CallListener<R> l = call.listener;
        if (l != null) {
            runUser(() -> l.onClose(status, trailers));
        }
    }

    /** CALL_OPEN from the peer: a call for one of our handlers. */
    private void callOpened(InMessage<R> m) {
        CallOptions options;
        try (m) {
            options = Calls.readOpen(m.payload(), m.type());
        } catch (MalformedMessageException e) {
            invalid(e);
            return;
        }
        if (peerCalls.containsKey(m.id())) {
            invalid(new MalformedMessageException("CALL_OPEN " + m.id() + ": that call is open already"));
            return;
        }
        Call<R> call = new Call<>(this, m.id(), false, options, deadline(options), null);
        peerCalls.put(call.id(), call);
        counters.add(ChannelField.CALLS_OPEN, 1);
        schedule(call);
        CallHandler<R> handler = callHandlers.get(options.type());
        CallListener<R> listener = null;
        Status refusal = null;
        if (handler == null) {
            refusal = Status.UNIMPLEMENTED.withDescription("no handler for calls of type " + options.type() + " ("
                    + options.method() + ")");
        } else {
            try {
                listener = handler.onCall(call);
            } catch (RuntimeException | Error e) {
                Log.LOG.log(System.Logger.Level.WARNING, name + ": a call handler threw", e);
                refusal = Status.UNKNOWN.withDescription("the handler failed: " + e);
            }
        }
        call.listener = listener != null ? listener : new CallListener<>() {};
        if (refusal != null && call.isOpen()) {
            try {
                call.close(refusal, Metadata.empty());
            } catch (MessageException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, name + ": refusing a call", e);
            }
        }
    }

    /** A frame of an open call: PEER_CALL set means we opened it. */
    private void callFrame(InMessage<R> m, boolean weOpened) {
        if (m.kind() == Kind.CALL_CREDIT || m.kind() == Kind.CALL_CLOSE || m.kind() == Kind.CALL_HEADERS) {
            try { // a lying body is an error, call or no call
                switch (m.kind()) {
                    case CALL_CREDIT -> Calls.readCredit(m.payload());
                    case CALL_CLOSE -> Calls.readClose(m.payload());
                    default -> Calls.readHeaders(m.payload());
                }
            } catch (MalformedMessageException e) {
                m.close();
                invalid(e);
                return;
            }
        }
        Call<R> call = (weOpened ? myCalls : peerCalls).get(m.inResponseTo());
        if (call == null || !call.isOpen()) {
            m.close(); // it ended here meanwhile (cancel, deadline): what was in flight is dropped
            return;
        }
        CallListener<R> l = call.listener;
        switch (m.kind()) {
            case CALL_MESSAGE -> {
                if (call.halfClosedThere || call.receiveCredit.getAndDecrement() <= 0) {
                    m.close();
                    invalid(new MalformedMessageException("CALL_MESSAGE on call " + call.id() + " beyond the credit granted"
                            + (call.halfClosedThere ? " (after its half-close)" : "")));
                    return;
                }
                try {
                    l.onMessage(m);
                } catch (RuntimeException | Error e) {
                    m.close();
                    Log.LOG.log(System.Logger.Level.WARNING, name + ": a call listener threw", e);
                }
            }
            case CALL_HALF_CLOSE -> {
                m.close();
                call.halfClosedThere = true;
                runUser(l::onHalfClose);
            }
            case CALL_CLOSE -> {
                Calls.Closing closing;
                try (m) {
                    if (!weOpened) {
                        throw new MalformedMessageException("CALL_CLOSE from the caller of call " + call.id());
                    }
                    closing = Calls.readClose(m.payload());
                } catch (MalformedMessageException e) {
                    invalid(e);
                    return;
                }
                if (call.markEnded()) {
                    callGone(myCalls.remove(call.id()));
                    unschedule(call);
                    notifyClose(call, closing.status(), closing.trailers());
                }
            }
            case CALL_HEADERS -> {
                Metadata headers;
                try (m) {
                    if (!weOpened) {
                        throw new MalformedMessageException("CALL_HEADERS from the caller of call " + call.id());
                    }
                    if (call.headersThere) {
                        throw new MalformedMessageException("CALL_HEADERS twice on call " + call.id());
                    }
                    headers = Calls.readHeaders(m.payload());
                } catch (MalformedMessageException e) {
                    invalid(e);
                    return;
                }
                call.headersThere = true;
                runUser(() -> l.onHeaders(headers));
            }
            case CALL_CANCEL -> {
                Status why;
                try (m) {
                    why = Calls.readCancel(m.payload(), !weOpened);
                }
                cancelCall(call, why, false);
            }
            case CALL_CREDIT -> {
                long n;
                try (m) {
                    n = Calls.readCredit(m.payload());
                } catch (MalformedMessageException e) {
                    invalid(e);
                    return;
                }
                long before = call.sendCredit.getAndAdd(n);
                if (before <= 0) {
                    runUser(l::onReady);
                }
            }
            default -> throw new AssertionError(m.kind());
        }
    }

    // ------------------------------------------------------------------------------------------------- handlers

    /**
     * {@code handler} gets the next message of {@code type} (or the oldest cached one), once, on the driving thread.
     * On a channel that has ended (its session may end at any moment) it does nothing: {@link #onError} tells why.
     *
     * @throws IllegalStateException when a handler for {@code type} is registered already
     */
    public void expect(int type, MessageHandler<R> handler) {
        router.expect(type, Objects.requireNonNull(handler, "handler"), true);
        wakeIfReady();
    }

    /**
     * {@code handler} gets every message of {@code type}, those cached first, in arrival order, on the driving thread.
     * On a channel that has ended it does nothing, as {@link #expect} does.
     *
     * @throws IllegalStateException when a handler for {@code type} is registered already
     */
    public void expectEvery(int type, MessageHandler<R> handler) {
        router.expect(type, Objects.requireNonNull(handler, "handler"), false);
        wakeIfReady();
    }

    /** Stops handling {@code type}: its messages are cached again until it is expected. */
    public boolean unexpect(int type) {
        return router.unexpect(type);
    }

    private void wakeIfReady() {
        if (!ready.isEmpty()) {
            wake();
        }
    }

    /**
     * {@code handler} learns, once, of the error that ended the channel: a malformed message, the peer gone, or the
     * peer ending the channel or the session ({@link ChannelClosedException}); at once if that happened already. Not
     * called when the channel or its session is closed here. Runs on the thread that noticed the end.
     */
    public void onError(Consumer<MessageException> handler) {
        Objects.requireNonNull(handler, "handler");
        failure.thenAccept(e -> runUser(() -> handler.accept(e)));
    }

    /** Where unexpected responses are reported, on both sides (by default: logged as warnings). */
    public void onUnexpectedResponse(Consumer<UnexpectedResponse> listener) {
        this.unexpectedListener = Objects.requireNonNull(listener, "listener");
    }

    // --------------------------------------------------------------------------------------------------- state

    /** The session this endpoint runs on. */
    public Session session() {
        return session;
    }

    /** How payloads are written and read. */
    public Codec<R> codec() {
        return codec;
    }

    /** Whether the channel has a shared-memory ring (payloads then cross as handles). */
    public boolean hasRing() {
        return channel.hasRing();
    }

    public boolean isOpen() {
        return !closing.get();
    }

    /** How many messages wait for a handler of their type (for tests and diagnostics). */
    int cached() {
        return router.cached();
    }

    /** How many received messages are not closed yet: the flow-control count (for tests and diagnostics). */
    public int unhandled() {
        return unhandled.get();
    }

    /** How many sent shared-memory frames the peer has not consumed yet (for tests). */
    int inTransit() {
        return writer.inTransit();
    }

    /** How many frames wait for ring room (for tests and diagnostics). */
    public int deferred() {
        return writer.deferred();
    }

    // ---------------------------------------------------------------------------------------------------- driving

    /**
     * Does what is ready on this endpoint, on this thread, without waiting: sends deferred frames, runs handlers of
     * messages whose handler was registered since, reads up to {@code limit} frames and runs their handlers inline.
     * Returns how much work was done (0: nothing was ready). Takes the drive lock: one driver at a time.
     *
     * @throws IllegalStateException from one of this endpoint's own handlers
     */
    public int poll(int limit) {
        if (DRIVING.get() == this) {
            throw new IllegalStateException("poll from inside a handler of the same endpoint");
        }
        driveLock.lock();
        try {
            return cycle(limit);
        } finally {
            driveLock.unlock();
        }
    }

    @Override
    public int doWork() {
        if (standAside.driversVolatile() > 0 || !driveLock.tryLock()) {
            return 0; // a thread blocked in a request drives it; it wakes the runner when it stops
        }
        try {
            return cycle(CYCLE_LIMIT);
        } finally {
            driveLock.unlock();
        }
    }

    /**
     * The runner arms the channel's wake-up under the drive lock but sleeps without it, so a thread blocked in a
     * request can drive at once. Whoever holds the lock when the wake-up comes consumes it: the runner disarms only if
     * it gets the lock in {@link #awoke()}; a requester that consumed the runner's wake-up re-arms it before it leaves.
     */
    @Override
    public boolean prepareToSleep(WaitSet waits) {
        runnerArmed = false;
        if (closing.get()) {
            return false;
        }
        runnerLooksBy = System.nanoTime() + WaitStrategy.CHECK_INTERVAL.toNanos(); // before it reads the deadlines
        if (standAside.standAsideVolatile() || !driveLock.tryLock()) {
            channel.blobs().watchRunnerBell(waits); // a requester drives: the last to leave announces our sleep
            return true;
        }
        standAside.clear();
        try {
            boolean sleep = armSleep(waits, Waiter.RUNNER);
            runnerArmed = armedAs == Waiter.RUNNER;
            return sleep;
        } finally {
            driveLock.unlock();
        }
    }

    @Override
    public void awoke() {
        if (standAside.isAside()) {
            standAside.clear();
            if (!runnerArmed) { // nobody announced its sleep: a ring it woke to (one from before a requester withdrew it)
                channel.blobs().unwatchRunnerBell(); // must not end its every sleep at once while a requester drives
            }
        }
        if (!runnerArmed) {
            return;
        }
        runnerArmed = false;
        if (driveLock.tryLock()) { // else a requester drives now: it withdrew the runner's wake-up
            try {
                if (armedAs == null) { // a requester came and went: it re-armed for us, or woke us
                    armedAs = Waiter.RUNNER;
                }
                disarmSleep(Waiter.RUNNER);
            } finally {
                driveLock.unlock();
            }
        }
    }

    @Override
    public boolean isDone() {
        return closing.get();
    }

    @Override
    public void onRemoved() {
        if (!closing.get()) {
            end(new ChannelClosedException("the runner driving the channel was closed", null), null);
        }
        if (driveLock.tryLock()) {
            try {
                cleanUpDriverState();
            } finally {
                driveLock.unlock();
            }
        }
    }

    /** Under driveLock: registers what wakes {@code waiter} for this endpoint; false when there is work now. */
    private boolean armSleep(WaitSet waits, Waiter waiter) {
        armedAs = null;
        if (!ready.isEmpty()) {
            return false;
        }
        if (writer.deferred() > 0) {
            waits.wakeBy(System.nanoTime() + DEFERRED_RETRY_NANOS);
        }
        long deadline = nextDeadline();
        if (deadline != Long.MAX_VALUE) {
            waits.wakeBy(deadline);
        }
        if (flowBlocked()) {
            starved = true;
            return flowBlocked(); // woken by a message closed (released()), not by the ring
        }
        armedAs = waiter;
        if (awaitingFds != null) {
            waits.wakeBy(awaitingDeadline);
            awaitingOnSocket = true;
            return channel.handles().prepareToSleep(waits, waiter);
        }
        awaitingOnSocket = false;
        return channel.prepareToSleep(waits, waiter);
    }

    /** Under driveLock: undoes {@link #armSleep} for {@code waiter} if it armed. */
    private void disarmSleep(Waiter waiter) {
        if (armedAs == waiter) {
            armedAs = null;
            if (awaitingOnSocket) {
                channel.handles().awoke(waiter);
            } else {
                channel.awoke(waiter);
            }
        }
    }

    /** One duty cycle under driveLock; any failure of the channel ends the endpoint here. */
    private int cycle(int limit) {
        if (closing.get()) {
            cleanUpDriverState();
            return 0;
        }
        MessageEndpoint<?> outer = DRIVING.get();
        DRIVING.set(this);
        int work = 0;
        try {
            work += writer.releaseConsumed();
            work += expireDeadlines();
            work += writer.flush();
            work += drainReady();
            work += readFrames(limit);
        } catch (PipeClosedException e) {
            end(new ChannelClosedException("the channel is closed", e), null); // closed here, or by the session
            work++;
        } catch (PeerGoneException e) {
            ChannelClosedException c = new ChannelClosedException("the peer is gone: " + e.getMessage(), e);
            end(c, c);
            work++;
        } catch (TransportException e) {
            ChannelClosedException c = new ChannelClosedException("the channel broke: " + e.getMessage(), e);
            end(c, c);
            work++;
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.ERROR, name + ": the driver failed", e);
            ChannelClosedException c = new ChannelClosedException("the driver failed: " + e, e);
            end(c, c);
            work++;
        } finally {
            DRIVING.set(outer);
        }
        if (closing.get()) {
            cleanUpDriverState();
        }
        return work;
    }

    /** Whether reading must pause: too much received and not closed, or too many frames wait for ring room. */
    private boolean flowBlocked() {
        return unhandled.get() >= config.maxUnhandled() || unhandledBytes.get() >= config.maxUnhandledBytes()
                || writer.deferredFull();
    }

    private int readFrames(int limit) throws TransportException {
        int n = 0;
        while (n < limit && !closing.get()) {
            if (awaitingFds != null) {
                if (!resolveAwaitingFds()) {
                    return n;
                }
                n++;
                continue;
            }
            if (flowBlocked()) {
                starved = true;
                if (flowBlocked()) { // re-checked after the flag, so a release in between is not lost
                    return n;
                }
                starved = false;
            }
            int r = channel.blobs().poll(onBlob, 1);
            if (r == BlobPipe.ENDED) {
                ChannelClosedException c = new ChannelClosedException("the peer closed the channel", null);
                end(c, c);
                return n + 1;
            }
            if (r == 0) {
                return n;
            }
            n++;
            takeReceived();
        }
        return n;
    }

    private void onBlob(BlobView blob) {
        try {
            received = reader.read(blob);
        } catch (MalformedMessageException e) {
            rejected = e;
        }
    }

    private void takeReceived() throws TransportException {
        MalformedMessageException bad = rejected;
        MessageReader.Checked<R> frame = received;
        rejected = null;
        received = null;
        if (bad != null) {
            invalid(bad);
            return;
        }
        if (frame == null) {
            return;
        }
        if (closing.get()) {
            frame.release();
            return;
        }
        Wire.Header h = frame.header();
        if (h.hasFds() && frame.handles().isEmpty()) {
            if (!channel.hasRing()) {
                frame.release();
                invalid(new MalformedMessageException(h.kind() + " " + h.id() + " announces " + h.fdCount()
                        + " descriptors but has none"));
                return;
            }
            awaitingFds = frame;
            awaitingDeadline = System.nanoTime() + config.descriptorTimeout().toNanos();
            resolveAwaitingFds();
            return;
        }
        deliver(frame, frame.handles());
    }

    /** The ring frame waiting for its descriptor frame: delivered (true) once it came; dropped as malformed at the deadline. */
    private boolean resolveAwaitingFds() throws TransportException {
        MessageReader.Checked<R> frame = awaitingFds;
        Wire.Header h = frame.header();
        List<NativeHandle> fds = fdFrames.remove(h.id());
        if (fds == null) {
            int r;
            do {
                r = channel.handles().poll(this::onFdFrame, 1);
            } while (r > 0 && badFdFrame == null && !fdFrames.containsKey(h.id()));
            if (badFdFrame != null) {
                MalformedMessageException bad = badFdFrame;
                badFdFrame = null;
                awaitingFds = null;
                frame.release();
                invalid(bad);
                return true;
            }
            fds = fdFrames.remove(h.id());
            if (fds == null) {
                if (r == BlobPipe.ENDED || System.nanoTime() - awaitingDeadline >= 0) {
                    awaitingFds = null;
                    frame.release();
                    invalid(new MalformedMessageException(h.kind() + " " + h.id() + ": its " + h.fdCount()
                            + " descriptors did not come" + (r == BlobPipe.ENDED ? " before the end" : " within "
                            + config.descriptorTimeout())));
                    return true;
                }
                return false;
            }
        }
        awaitingFds = null;
        if (fds.size() != h.fdCount()) {
            Closing.all(fds);
            frame.release();
            invalid(new MalformedMessageException(h.kind() + " " + h.id() + ": " + fds.size()
                    + " descriptors came, the header says " + h.fdCount()));
            return true;
        }
        deliver(frame, fds);
        return true;
    }

    /** A frame on a ring channel's socket: descriptors for a ring frame, by the id they name. */
    private void onFdFrame(BlobView blob) {
        List<NativeHandle> got = blob.handles();
        MemorySegment announce = blob.segment();
        if (!Wire.isFdFrame(announce) || Wire.fdCount(announce) != got.size() || got.isEmpty()
                || fdFrames.size() >= MAX_WAITING_FD_FRAMES || fdFrames.containsKey(Wire.fdFrameId(announce))) {
            Closing.all(got);
            badFdFrame = new MalformedMessageException("a frame on the channel's socket is not a descriptor frame that"
                    + " a message can claim (" + blob.length() + " bytes, " + got.size() + " descriptors, "
                    + fdFrames.size() + " unclaimed)");
            return;
        }
        fdFrames.put(Wire.fdFrameId(announce), List.copyOf(got));
    }

    private void deliver(MessageReader.Checked<R> frame, List<NativeHandle> fds) {
        InMessage<R> m;
        try {
            m = frame.toMessage(codec, fds);
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        account(m);
        dispatch(m, frame.header().flags());
        drainReady();
    }

    /** Counts a received message until it is closed (the flow-control bound), and in the channel's counters. */
    private void account(InMessage<R> m) {
        if (m.kind().payload) { // under driveLock: the reading side's values have one writer at a time
            counters.addOrdered(ChannelField.MESSAGES_IN, 1);
            counters.addOrdered(ChannelField.BYTES_IN, m.payload().byteSize());
            if (m.isShared()) {
                counters.addOrdered(ChannelField.BORROWED_IN, 1);
            }
            SessionTap tap = session.tap();
            if (tap != null) {
                try {
                    tap.crossed(session, number, true, m.kind().name(), m.type(), codec, m.payload());
                } catch (RuntimeException e) { // an observer's fault must never cost the server a message
                    Log.LOG.log(System.Logger.Level.WARNING, name + ": the session's tap threw", e);
                }
            }
        }
        unhandled.incrementAndGet();
        unhandledBytes.addAndGet(m.heldBytes());
        m.whenClosed(closedHook);
    }

    private void released(long bytes) {
        unhandled.decrementAndGet();
        unhandledBytes.addAndGet(-bytes);
        if (starved) {
            starved = false;
            wake();
        }
    }

    /** Runs the handlers of routed messages, in routing order, on this (the driving) thread. */
    private int drainReady() {
        int n = 0;
        Delivery<R> d;
        while ((d = ready.poll()) != null) {
            if (closing.get()) {
                d.message().close();
                continue;
            }
            invoke(d.handler(), d.message());
            n++;
        }
        return n;
    }

    /** Wakes whoever drives this endpoint (its runner); a thread driving it by hand looks every cycle anyway. */
    private void wake() {
        Runner.Attachment a = attachment;
        if (a != null) {
            a.wake();
        }
    }

    // ------------------------------------------------------------------------- blocking: the caller drives

    /**
     * Waits until {@code future} is done, {@code deadline} passes or the endpoint ends, driving the endpoint on this
     * thread whenever no other thread does (so its response needs no hand-off); the runner stands aside meanwhile.
     */
    private void awaitDriving(Future<?> future, long deadline) throws InterruptedException {
        standAside.enterVolatile();
        try {
            while (!future.isDone() && !closing.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                // The runner holds the lock only for a cycle or to arm its sleep; another requester for its turn.
                if (driveLock.tryLock(Math.min(left, STEAL_SLICE_NANOS), TimeUnit.NANOSECONDS)) {
                    try {
                        if (runnerArmed) {
                            channel.blobs().withdrawRunner(); // our input must not wake the runner too
                        }
                        driveLocked(future, deadline);
                        if (standAside.driversVolatile() == 1) {
                            handBackToRunner();
                        }
                    } finally {
                        driveLock.unlock();
                    }
                }
            }
        } finally {
            if (standAside.leaveVolatile()) {
                handBackToStoodAsideRunner();
            }
        }
    }

    /**
     * Under driveLock, the last requester leaving: if the runner sleeps believing the channel armed, our sleeps may
     * have consumed its wake-up; arm it again for the runner, or wake the runner when input is here already.
     */
    private void handBackToRunner() {
        if (!runnerArmed || closing.get()) {
            return;
        }
        announceRunnerSleep();
    }

    /**
     * Under driveLock: announces a sleep on the channel for the runner (whose doorbell is in its own wait set), so
     * that input wakes it; true when announced, else input is here already and the runner is woken to read it.
     */
    private boolean announceRunnerSleep() {
        if (ownWaits == null) {
            ownWaits = new WaitSet();
        }
        ownWaits.clear();
        if (armSleep(ownWaits, Waiter.RUNNER)) {
            return true;
        }
        disarmSleep(Waiter.RUNNER);
        wake();
        return false;
    }

    /**
     * The last requester has left while the runner slept standing aside: announces the runner's sleep on the ring (it
     * watches the doorbell), so that input wakes it, as {@link #handBackToRunner} does for a runner that had armed;
     * wakes it, to arm its own, where that cannot be done. Waking it every time would make it arrive in the next
     * request's drive, stand aside again and be woken again: a wake-up per request for nothing.
     */
    private void handBackToStoodAsideRunner() {
        if (!channel.hasRing() || !driveLock.tryLock()) {
            wake(); // a socket channel (no doorbell to watch), or someone cycles the endpoint now
            return;
        }
        try {
            if (!standAside.isAside() || standAside.driversVolatile() > 0 || closing.get()) {
                return; // it woke meanwhile, or a requester came (who hands back when it leaves)
            }
            if (awaitingFds != null) {
                wake(); // it must sleep on the socket (descriptors awaited): its own arming
            } else if (announceRunnerSleep()) {
                runnerArmed = true; // its awoke() disarms
            }
        } finally {
            driveLock.unlock();
        }
    }

    /** Under driveLock: cycles until the future is done, idling as the ring's wait strategy says, then sleeping once. */
    private void driveLocked(Future<?> future, long deadline) {
        WaitStrategy strategy = channel.hasRing() ? ((RingPipe) channel.blobs()).config().waitStrategy() : WaitStrategy.blocking();
        int spins = strategy instanceof WaitStrategy.Backoff b ? b.spins() : Integer.MAX_VALUE;
        int yields = strategy instanceof WaitStrategy.Backoff b ? b.yields() : 0;
        long maxSpin = strategy instanceof WaitStrategy.Backoff ? MAX_SPIN_NANOS : Long.MAX_VALUE; // busy spin: on
        int idle = 0;
        long spinStart = 0;
        while (!future.isDone() && !closing.get()) {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return;
            }
            if (cycle(CYCLE_LIMIT) > 0) {
                idle = 0;
                continue;
            }
            if (future.isDone()) {
                return;
            }
            if (idle == 0) {
                spinStart = now;
            }
            if (idle < spins && now - spinStart < maxSpin) {
                idle++;
                Thread.onSpinWait();
                continue;
            }
            if (idle < spins) {
                idle = spins; // spun for long enough: a cycle here costs more than a ring's own check
            }
            if (idle - spins < yields) {
                idle++;
                Thread.yield();
                continue;
            }
            if (ownWaits == null) {
                ownWaits = new WaitSet();
            }
            ownWaits.clear();
            try {
                if (armSleep(ownWaits, Waiter.CALLER)) {
                    ownWaits.await(Math.min(deadline - now, WaitStrategy.CHECK_INTERVAL.toNanos()));
                }
            } catch (TransportException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, name + ": sleeping", e);
            } finally {
                disarmSleep(Waiter.CALLER);
            }
            return; // let another waiting thread (or the loop's checks) have a turn
        }
    }

    // --------------------------------------------------------------------------------------------------- ending

    /**
     * Closes the channel: pending requests and streams fail with {@link ChannelClosedException}, cached messages are
     * closed, and the runner (if any) drops the endpoint. Idempotent; any thread, handlers included.
     */
    @Override
    public void close() {
        end(new ChannelClosedException("the channel was closed here", null), null);
        if (driveLock.tryLock()) {
            try {
                cleanUpDriverState();
            } finally {
                driveLock.unlock();
            }
        }
    }

    private ChannelClosedException closed() {
        ChannelClosedException c = closedCause;
        return new ChannelClosedException(c == null ? "the channel is closed" : c.getMessage(), c == null ? null : c.getCause());
    }

    /** Ends the channel once: reports {@code report} (if any) to the error handler, fails what is pending. */
    private void end(ChannelClosedException cause, MessageException report) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closedCause = cause;
        if (report != null) {
            failure.complete(report);
        }
        writer.close(); // before the ring is unmapped
        channel.close();
        counters.close(); // the channel is gone from ipc4j stat; what still runs counts into a freed slot
        for (PendingResponse f : pending.takeAll()) {
            f.completeExceptionally(closed());
        }
        for (Long id : List.copyOf(calls.keySet())) {
            StreamRequest<R> c = calls.remove(id);
            if (c != null) {
                c.call().future().completeExceptionally(closed());
            }
        }
        draining.clear();
        responding.clear(); // their writers' sends fail with ChannelClosedException from now on
        Status gone = cause.getCause() != null || report != null
                ? Status.UNAVAILABLE.withDescription(cause.getMessage()) : Status.CANCELLED.withDescription(cause.getMessage());
        for (Map<Long, Call<R>> calls : List.of(myCalls, peerCalls)) {
            for (Call<R> c : List.copyOf(calls.values())) {
                if (c.markEnded()) {
                    calls.remove(c.id());
                    notifyClose(c, gone, Metadata.empty());
                }
            }
        }
        synchronized (deadlines) {
            deadlines.clear();
            deadlinesEmpty = true;
        }
        router.close();
        Delivery<R> d;
        while ((d = ready.poll()) != null) {
            d.message().close();
        }
        wake(); // the runner sees isDone() and drops us
    }

    /** Under driveLock, once the channel has ended: what only the driver touches is released. */
    private void cleanUpDriverState() {
        if (cleaned) {
            return;
        }
        cleaned = true;
        if (awaitingFds != null) {
            awaitingFds.release();
            awaitingFds = null;
        }
        if (received != null) {
            received.release();
            received = null;
        }
        for (List<NativeHandle> fds : fdFrames.values()) {
            Closing.all(fds);
        }
        fdFrames.clear();
    }

    /**
     * The session ended: the channel ends with it, reported to the error handler unless this side ended it, as when
     * the peer closes just the channel (whichever of the two this side learns first).
     */
    private void sessionEnded(SessionEnd how) {
        String why = "the session ended: " + how;
        ChannelClosedException c = switch (how) {
            case SessionEnd.ClosedHere here -> null;
            case SessionEnd.ClosedByPeer peer -> new ChannelClosedException(why, null);
            case SessionEnd.PeerGone gone -> new ChannelClosedException(why, gone.cause() != null ? gone.cause()
                    : new PeerGoneException(gone.why()));
            case SessionEnd.ProtocolViolation violation -> new ChannelClosedException(why, new PeerGoneException(why, violation.cause()));
        };
        if (c == null) {
            end(new ChannelClosedException(why, null), null);
        } else {
            end(c, c);
        }
    }

    // --------------------------------------------------------------------------------------------------- dispatch

    /** A malformed frame or invalid payload: reported; by default the channel ends. */
    void invalid(MessageException e) {
        session.counters().add(SessionField.errors(e.category()), 1);
        if (config.closeOnInvalidMessage()) {
            end(new ChannelClosedException("a malformed message ended the channel: " + e.getMessage(), e), e);
        } else if (!failure.complete(e)) {
            Log.LOG.log(System.Logger.Level.WARNING, name + ": dropped a malformed message: " + e.getMessage());
        }
    }

    /** A call that left {@code myCalls} or {@code peerCalls} (null: another path removed it first). */
    private void callGone(Call<R> removed) {
        if (removed != null) {
            counters.add(ChannelField.CALLS_OPEN, -1);
        }
    }

    private void dispatch(InMessage<R> m, int flags) {
        switch (m.kind()) {
            case CALL_OPEN -> callOpened(m);
            case CALL_MESSAGE, CALL_HALF_CLOSE, CALL_CLOSE, CALL_CANCEL, CALL_CREDIT, CALL_HEADERS ->
                    callFrame(m, (flags & Wire.PEER_CALL) != 0);
            case NOTIFY, REQUEST -> router.route(m);
            case STREAM_REQUEST -> {
                responding.put(m.id(), new ResponseStream(this, m.id()));
                router.route(m);
            }
            case RESPONSE -> {
                PendingResponse f = pending.take(m.inResponseTo());
                if (f == null || !f.complete(m)) {
                    unexpected(m);
                }
            }
            case STREAM_ITEM -> {
                StreamRequest<R> c = calls.get(m.inResponseTo());
                if (c == null) {
                    if (draining.contains(m.inResponseTo())) {
                        m.close(); // in flight when we cancelled
                    } else {
                        unexpected(m);
                    }
                } else if (c.call().isCancelled() || c.call().future().isDone()) {
                    m.close();
                } else {
                    invoke(c.handler(), m);
                }
            }
            case STREAM_END -> {
                m.close();
                draining.remove(m.inResponseTo());
                StreamRequest<R> c = calls.remove(m.inResponseTo());
                if (c != null) {
                    runUser(() -> c.call().future().complete(null));
                }
            }
            case CANCEL -> {
                m.close();
                ResponseStream s = responding.get(m.inResponseTo());
                if (s != null) {
                    s.markCancelled();
                    runUser(s::close); // acknowledges with STREAM_END
                }
            }
            case UNEXPECTED_RESPONSE -> {
                long request = Wire.readLong(m.payload(), 0);
                m.close();
                UnexpectedResponse u = new UnexpectedResponse(m.inResponseTo(), request, true);
                runUser(() -> unexpectedListener.accept(u));
            }
        }
    }

    /** A response nobody waits for: reported here, and to the responder. */
    private void unexpected(InMessage<R> m) {
        long response = m.id();
        long request = m.inResponseTo();
        m.close();
        UnexpectedResponse u = new UnexpectedResponse(response, request, false);
        runUser(() -> unexpectedListener.accept(u));
        try (OutMessage out = OutMessage.inline(Wire.UNEXPECTED_BODY, 0)) {
            Wire.writeLong(out.payload(), 0, request);
            transmit(Kind.UNEXPECTED_RESPONSE, out, nextId.getAndIncrement(), response, MessageWriter.Mode.DEFER);
        } catch (MessageException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, name + ": could not report an unexpected response to the peer", e);
        }
    }

    /**
     * Runs a message handler. Whatever it throws, an {@link Error} included (an assertion, a stack overflow), is its
     * own failure: the message is closed (its lease given back), the failure logged, and the channel and its driver go
     * on. Before, an Error escaped to the driver and ended the channel, leaving the message's lease held.
     */
    private void invoke(MessageHandler<R> handler, InMessage<R> m) {
        try {
            handler.onMessage(m);
        } catch (InvalidPayloadException e) {
            m.close();
            invalid(e);
        } catch (Exception | Error e) {
            m.close();
            Log.LOG.log(System.Logger.Level.WARNING, name + ": a message handler threw", e);
        }
    }

    /** Runs a user callback; whatever it throws (an Error included) is logged and contained, as {@link #invoke} does. */
    private void runUser(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.WARNING, name + ": a handler threw", e);
        }
    }

    @Override
    public String toString() {
        return "MessageEndpoint[" + name + " over " + channel + (closing.get() ? ", closed]" : "]");
    }
}
