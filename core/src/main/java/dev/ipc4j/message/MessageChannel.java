package dev.ipc4j.message;

import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionEnd;
import dev.ipc4j.transport.BlobView;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.NativeHandle;
import dev.ipc4j.transport.PeerGoneException;
import dev.ipc4j.transport.PipeClosedException;
import dev.ipc4j.transport.Receipt;
import dev.ipc4j.transport.TransportException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Structured messages over one channel of a session: notifications, requests with one response or a stream of them,
 * handlers per message type, every message with an id and the id of the message it answers. Payloads are written once
 * in the session's shared memory and only a handle crosses (on a ring channel), or copied inline (socket-only
 * channel, or messages smaller than {@link Config#inlineBelow()}).
 *
 * <pre>{@code
 * try (MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
 *     ch.expectEvery(GET, req -> {
 *         try (req; OutMessage out = ch.newMessage(1 << 20, FILE)) {
 *             fill(out.payload());
 *             ch.reply(out, req);
 *         }
 *     });
 *     try (OutMessage q = ch.newMessage(64, GET);
 *          InMessage<MemorySegment> rsp = ch.request(q, Duration.ofSeconds(2))) {
 *         read(rsp.payload());
 *     }
 * }
 * }</pre>
 *
 * <p>Threads and invariants:
 * <ul>
 *   <li>One platform reader thread per channel receives every frame, checks it ({@link MessageReader}) and dispatches
 *       it; it never runs user code and never sends (a send could wait for ring room while the peer's reader waits
 *       for ours). Responses complete their futures on it: prefer the {@code *Async} variants for heavy follow-ups.</li>
 *   <li>Handlers, stream items, unexpected-response and error reports run on the {@link Config#executor()} (by
 *       default one thread of the channel's own, so one channel's handlers run one at a time, in arrival order).</li>
 *   <li>Every request is in {@code pending} before its frame is sent; whoever removes it completes it (the reader with
 *       the response, a timeout, a cancel, or the end of the channel), so each completes exactly once and a response
 *       finding no entry is unexpected.</li>
 *   <li>The channel ends once ({@code closing}); what is pending then fails with {@link ChannelClosedException}; the
 *       error handler learns of an error end exactly once.</li>
 *   <li>All methods are thread-safe.</li>
 * </ul>
 *
 * @param <R> the root type of the channel's {@link Codec}
 */
public final class MessageChannel<R> implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.message");
    private static final Duration READ_INTERVAL = Duration.ofMillis(100);
    private static final AtomicLong CHANNELS = new AtomicLong();

    /**
     * How a message channel runs.
     *
     * @param executor where handlers run; empty: a thread of the channel's own (handlers in arrival order). It must
     *     not run tasks on the calling thread: that would run handlers on the reader thread
     * @param closeOnInvalidMessage whether a malformed frame or invalid payload ends the channel (after reporting it to
     *     the error handler); otherwise it is reported (the first time) or logged, and dropped
     * @param inlineBelow {@link #newMessage} payloads smaller than this are sent inline even on a ring channel
     *     (copying a few KiB costs less than lending a block); 0: always in shared memory when there is a ring
     * @param descriptorTimeout how long to wait for the descriptors a message on a ring channel announces
     * @param maxEarlyMessages how many messages may wait for a handler of their type before the channel gives up
     */
    public record Config(Optional<Executor> executor, boolean closeOnInvalidMessage, long inlineBelow,
            Duration descriptorTimeout, int maxEarlyMessages) {
        public static final Config DEFAULT = new Config(Optional.empty(), true, 4096, Duration.ofSeconds(10), 1 << 16);

        public Config {
            Objects.requireNonNull(executor, "executor");
            Objects.requireNonNull(descriptorTimeout, "descriptorTimeout");
            if (inlineBelow < 0 || maxEarlyMessages < 0 || descriptorTimeout.isNegative()) {
                throw new IllegalArgumentException("negative limit");
            }
        }

        public Config withExecutor(Executor executor) {
            return new Config(Optional.of(executor), closeOnInvalidMessage, inlineBelow, descriptorTimeout, maxEarlyMessages);
        }

        public Config withCloseOnInvalidMessage(boolean close) {
            return new Config(executor, close, inlineBelow, descriptorTimeout, maxEarlyMessages);
        }

        public Config withInlineBelow(long bytes) {
            return new Config(executor, closeOnInvalidMessage, bytes, descriptorTimeout, maxEarlyMessages);
        }

        public Config withDescriptorTimeout(Duration timeout) {
            return new Config(executor, closeOnInvalidMessage, inlineBelow, timeout, maxEarlyMessages);
        }

        public Config withMaxEarlyMessages(int count) {
            return new Config(executor, closeOnInvalidMessage, inlineBelow, descriptorTimeout, count);
        }
    }

    /** A streamed request of this side: its handle and where its items go. */
    private record Call<R>(StreamCall call, MessageHandler<R> handler) {}

    private final Session session;
    private final Channel channel;
    private final Codec<R> codec;
    private final Config config;
    private final MessageReader<R> reader;
    private final Router<R> router;
    private final Executor executor;
    private final ExecutorService ownExecutor;
    private final String name;
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, CompletableFuture<InMessage<R>>> pending = new ConcurrentHashMap<>();
    private final Map<Long, Call<R>> calls = new ConcurrentHashMap<>();
    private final Set<Long> draining = ConcurrentHashMap.newKeySet(); // cancelled streams until their STREAM_END
    private final Map<Long, ResponseStream> responding = new ConcurrentHashMap<>();
    private final MessageWriter writer;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<MessageException> failure = new CompletableFuture<>();
    private volatile ChannelClosedException closedCause;
    private volatile Consumer<UnexpectedResponse> unexpectedListener =
            u -> LOG.log(System.Logger.Level.WARNING, "unexpected response: " + u);
    private final Thread readerThread;
    // Reader thread only: what the blob handler produced for the loop to act on.
    private MessageReader.Frame<R> received;
    private MalformedMessageException rejected;

    private MessageChannel(Session session, Channel channel, Codec<R> codec, Config config) {
        this.session = session;
        this.channel = channel;
        this.codec = codec;
        this.config = config;
        this.reader = new MessageReader<>(session, codec);
        this.writer = new MessageWriter(session, channel);
        this.name = "ipc4j-message-" + CHANNELS.incrementAndGet();
        if (config.executor().isPresent()) {
            this.ownExecutor = null;
            this.executor = config.executor().get();
        } else {
            this.ownExecutor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name(name + "-handlers").unstarted(r));
            this.executor = ownExecutor;
        }
        this.router = new Router<>(this::deliver, config.maxEarlyMessages());
        this.readerThread = Thread.ofPlatform().daemon().name(name + "-reader").unstarted(this::readLoop);
    }

    /** Messages over init channel {@code initChannel} of {@code session}, with the default configuration. */
    public static <R> MessageChannel<R> of(Session session, int initChannel, Codec<R> codec) {
        return over(session, session.channel(initChannel), codec, Config.DEFAULT);
    }

    /**
     * Messages over {@code channel}, a channel of {@code session}, which this object owns from now on (closing it
     * closes the channel). Both sides must use the message protocol on the channel and nothing else.
     */
    public static <R> MessageChannel<R> over(Session session, Channel channel, Codec<R> codec, Config config) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(config, "config");
        MessageChannel<R> ch = new MessageChannel<>(session, channel, codec, config);
        ch.readerThread.start();
        session.onEnd(ch::sessionEnded);
        return ch;
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
     * {@link OutMessage#commit} the length if it is less than the capacity.
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

    /** Sends a notification: no answer expected. Returns its id. */
    public long send(OutMessage out) throws MessageException {
        long id = nextId.getAndIncrement();
        transmit(Kind.NOTIFY, out, id, 0);
        return id;
    }

    /**
     * Sends the response to {@code inResponseTo}, a request the peer sent on this channel. Returns its id. A response
     * the requester no longer waits for is reported to both sides ({@link #onUnexpectedResponse}).
     */
    public long send(OutMessage out, InMessage<R> inResponseTo) throws MessageException {
        Objects.requireNonNull(inResponseTo, "inResponseTo");
        long id = nextId.getAndIncrement();
        transmit(Kind.RESPONSE, out, id, inResponseTo.id());
        return id;
    }

    /** The same as {@link #send(OutMessage, InMessage)}: answers {@code request}. */
    public long reply(OutMessage out, InMessage<R> request) throws MessageException {
        return send(out, request);
    }

    /**
     * Sends a request; the future completes with the response (its to close), or exceptionally with
     * {@link ChannelClosedException}. Cancelling the future (or timing it out) gives up on the response, which is
     * then an unexpected one should it still come.
     */
    public CompletableFuture<InMessage<R>> request(OutMessage out) {
        long id = nextId.getAndIncrement();
        CompletableFuture<InMessage<R>> future = new CompletableFuture<>();
        pending.put(id, future);
        future.whenComplete((m, e) -> pending.remove(id, future));
        if (closing.get()) {
            future.completeExceptionally(closed());
            return future;
        }
        try {
            transmit(Kind.REQUEST, out, id, 0);
        } catch (MessageException | RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    /**
     * Sends a request and waits up to {@code timeout} for the response.
     *
     * @throws MessageTimeoutException when none came in time (a later one is reported as unexpected on both sides)
     * @throws ChannelClosedException when the channel ended first (the cause says why, e.g. the peer is gone)
     */
    public InMessage<R> request(OutMessage out, Duration timeout) throws MessageException, InterruptedException {
        CompletableFuture<InMessage<R>> future = request(out);
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
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
            case RuntimeException r -> throw r; // e.g. a closed OutMessage, or one too large for a socket-only channel
            case Error err -> throw err;
            default -> {
                return new ChannelClosedException("the request failed: " + e.getCause(), e.getCause());
            }
        }
    }

    /**
     * Sends a request answered by a stream: {@code onItem} gets each item (on the handler executor, in order) until
     * the responder ends the stream or {@link StreamCall#cancel()} is called.
     */
    public StreamCall requestStream(OutMessage out, MessageHandler<R> onItem) {
        Objects.requireNonNull(onItem, "onItem");
        long id = nextId.getAndIncrement();
        StreamCall call = new StreamCall(id, this);
        calls.put(id, new Call<>(call, onItem));
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
            transmit(Kind.STREAM_REQUEST, out, id, 0);
        } catch (MessageException | RuntimeException e) {
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
        transmit(Kind.STREAM_ITEM, item, nextId.getAndIncrement(), requestId);
    }

    void endStream(long requestId) throws MessageException {
        responding.remove(requestId);
        transmit(Kind.STREAM_END, null, nextId.getAndIncrement(), requestId);
    }

    /** Our side cancels a stream: deliver nothing more, drop what is in flight until the responder's STREAM_END. */
    void cancelStream(long requestId) {
        if (calls.remove(requestId) == null) {
            return;
        }
        draining.add(requestId);
        try {
            transmit(Kind.CANCEL, null, nextId.getAndIncrement(), requestId);
        } catch (MessageException e) {
            draining.remove(requestId); // the channel is over: nothing more will come
        }
    }

    /** Sends one frame (see {@link MessageWriter}), mapping transport failures to the channel's end. */
    private void transmit(Kind kind, OutMessage out, long id, long inResponseTo) throws MessageException {
        if (closing.get()) {
            throw closed();
        }
        try {
            writer.write(kind, out, id, inResponseTo);
        } catch (PipeClosedException e) {
            throw closing.get() ? closed() : new ChannelClosedException("the channel is closed", e);
        } catch (TransportException e) {
            throw new ChannelClosedException("sending failed: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------- handlers

    /** {@code handler} gets the next message of {@code type} (or the oldest cached one), once. */
    public void expect(int type, MessageHandler<R> handler) {
        router.expect(type, Objects.requireNonNull(handler, "handler"), true);
    }

    /** {@code handler} gets every message of {@code type}, those cached first, in arrival order. */
    public void expectEvery(int type, MessageHandler<R> handler) {
        router.expect(type, Objects.requireNonNull(handler, "handler"), false);
    }

    /** Stops handling {@code type}: its messages are cached again until it is expected. */
    public boolean unexpect(int type) {
        return router.unexpect(type);
    }

    /**
     * {@code handler} learns, once, of the error that ended the channel: a malformed message, the peer gone, or the
     * peer ending the channel or the session ({@link ChannelClosedException}); at once if that happened already. Not
     * called when the channel or its session is closed here.
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

    public Session session() {
        return session;
    }

    public Channel channel() {
        return channel;
    }

    public Codec<R> codec() {
        return codec;
    }

    public boolean isOpen() {
        return !closing.get();
    }

    /** How many messages wait for a handler of their type (for tests and diagnostics). */
    int cached() {
        return router.cached();
    }

    /** How many sent shared-memory frames the peer has not consumed yet (for tests). */
    int inTransit() {
        return writer.inTransit();
    }

    /**
     * Closes the channel: pending requests and streams fail with {@link ChannelClosedException}, cached messages are
     * closed, the reader and handler threads end. Idempotent.
     */
    @Override
    public void close() {
        end(new ChannelClosedException("the channel was closed here", null), null);
        if (Thread.currentThread() != readerThread) {
            try {
                readerThread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
        for (Long id : List.copyOf(pending.keySet())) {
            CompletableFuture<InMessage<R>> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(closed());
            }
        }
        for (Long id : List.copyOf(calls.keySet())) {
            Call<R> c = calls.remove(id);
            if (c != null) {
                c.call().future().completeExceptionally(closed());
            }
        }
        draining.clear();
        responding.clear(); // their writers' sends fail with ChannelClosedException from now on
        router.close();
        if (ownExecutor != null) {
            ownExecutor.shutdown(); // what was queued (handlers, the error report) still runs
        }
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

    // --------------------------------------------------------------------------------------------------- reading

    private void readLoop() {
        try {
            while (!closing.get()) {
                Receipt r = channel.blobs().receive(this::onBlob, READ_INTERVAL);
                writer.releaseConsumed(); // also while only this side sends: every READ_INTERVAL at the latest
                if (r == Receipt.ENDED) {
                    ChannelClosedException c = new ChannelClosedException("the peer closed the channel", null);
                    end(c, c);
                    return;
                }
                MalformedMessageException bad = rejected;
                MessageReader.Frame<R> frame = received;
                rejected = null;
                received = null;
                if (bad != null) {
                    invalid(bad);
                } else if (frame != null) {
                    if (closing.get()) {
                        frame.release();
                        return;
                    }
                    InMessage<R> m;
                    try {
                        m = frame.toMessage(codec, descriptorsOf(frame));
                    } catch (MalformedMessageException e) {
                        frame.release();
                        invalid(e);
                        continue;
                    }
                    dispatch(m);
                }
            }
        } catch (PipeClosedException e) {
            end(new ChannelClosedException("the channel is closed", e), null); // closed here, or by the session
        } catch (PeerGoneException e) {
            ChannelClosedException c = new ChannelClosedException("the peer is gone: " + e.getMessage(), e);
            end(c, c);
        } catch (TransportException e) {
            ChannelClosedException c = new ChannelClosedException("the channel broke: " + e.getMessage(), e);
            end(c, c);
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, name + ": the reader failed", e);
            ChannelClosedException c = new ChannelClosedException("the reader failed: " + e, e);
            end(c, c);
        }
    }

    private void onBlob(BlobView blob) {
        try {
            received = reader.read(blob);
        } catch (MalformedMessageException e) {
            rejected = e;
        }
    }

    /** The frame's descriptors: attached to it (socket), or the socket frame announcing them (ring). */
    private List<NativeHandle> descriptorsOf(MessageReader.Frame<R> frame) throws MalformedMessageException, TransportException {
        Wire.Header h = frame.header();
        if (!h.hasFds() || !frame.handles().isEmpty()) {
            return frame.handles();
        }
        if (!channel.hasRing()) {
            throw new MalformedMessageException(h.kind() + " " + h.id() + " announces " + h.fdCount() + " descriptors but has none");
        }
        List<NativeHandle> fds = new ArrayList<>();
        MalformedMessageException[] bad = new MalformedMessageException[1];
        Receipt r = channel.handles().receive(blob -> {
            List<NativeHandle> got = blob.handles();
            MemorySegment announce = blob.segment();
            if (!Wire.isFdFrame(announce) || Wire.fdFrameId(announce) != h.id() || Wire.fdCount(announce) != got.size()
                    || got.size() != h.fdCount()) {
                closeAll(got);
                bad[0] = new MalformedMessageException(h.kind() + " " + h.id() + ": the descriptor frame on the socket does not match ("
                        + blob.length() + " bytes, " + got.size() + " descriptors)");
            } else {
                fds.addAll(got);
            }
        }, config.descriptorTimeout());
        if (bad[0] != null) {
            throw bad[0];
        }
        if (r != Receipt.MESSAGE) {
            throw new MalformedMessageException(h.kind() + " " + h.id() + ": its " + h.fdCount() + " descriptors did not come ("
                    + r + ")");
        }
        return fds;
    }

    /** A malformed frame or invalid payload: reported; by default the channel ends. */
    void invalid(MessageException e) {
        if (config.closeOnInvalidMessage()) {
            end(new ChannelClosedException("a malformed message ended the channel: " + e.getMessage(), e), e);
        } else if (!failure.complete(e)) {
            LOG.log(System.Logger.Level.WARNING, name + ": dropped a malformed message: " + e.getMessage());
        }
    }

    private void dispatch(InMessage<R> m) {
        switch (m.kind()) {
            case NOTIFY, REQUEST -> route(m);
            case STREAM_REQUEST -> {
                responding.put(m.id(), new ResponseStream(this, m.id()));
                route(m);
            }
            case RESPONSE -> {
                CompletableFuture<InMessage<R>> f = pending.remove(m.inResponseTo());
                if (f == null || !f.complete(m)) {
                    unexpected(m);
                }
            }
            case STREAM_ITEM -> {
                Call<R> c = calls.get(m.inResponseTo());
                if (c == null) {
                    if (draining.contains(m.inResponseTo())) {
                        m.close(); // in flight when we cancelled
                    } else {
                        unexpected(m);
                    }
                } else {
                    runUser(() -> {
                        if (c.call().isCancelled() || c.call().future().isDone()) {
                            m.close();
                        } else {
                            invoke(c.handler(), m);
                        }
                    }, m);
                }
            }
            case STREAM_END -> {
                m.close();
                draining.remove(m.inResponseTo());
                Call<R> c = calls.remove(m.inResponseTo());
                if (c != null) {
                    runUser(() -> c.call().future().complete(null)); // after the items queued before it
                }
            }
            case CANCEL -> {
                m.close();
                ResponseStream s = responding.get(m.inResponseTo());
                if (s != null) {
                    s.markCancelled();
                    runUser(s::close); // acknowledges with STREAM_END, off the reader thread
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

    private void route(InMessage<R> m) {
        if (!router.route(m)) {
            m.close();
            ChannelClosedException c = new ChannelClosedException("more than " + config.maxEarlyMessages()
                    + " messages wait for handlers of their types", null);
            end(c, c);
        }
    }

    /** A response nobody waits for: reported here, and to the responder. */
    private void unexpected(InMessage<R> m) {
        long response = m.id();
        long request = m.inResponseTo();
        m.close();
        UnexpectedResponse u = new UnexpectedResponse(response, request, false);
        runUser(() -> {
            unexpectedListener.accept(u);
            try (OutMessage out = OutMessage.inline(Wire.UNEXPECTED_BODY, 0)) {
                Wire.writeLong(out.payload(), 0, request);
                transmit(Kind.UNEXPECTED_RESPONSE, out, nextId.getAndIncrement(), response);
            } catch (MessageException e) {
                LOG.log(System.Logger.Level.DEBUG, name + ": could not report an unexpected response to the peer", e);
            }
        });
    }

    /** Hands a message to a handler on the executor; called by the router under its lock. */
    private void deliver(MessageHandler<R> handler, InMessage<R> m) {
        runUser(() -> invoke(handler, m), m);
    }

    private void invoke(MessageHandler<R> handler, InMessage<R> m) {
        try {
            handler.onMessage(m);
        } catch (InvalidPayloadException e) {
            m.close();
            invalid(e);
        } catch (Exception e) {
            m.close();
            LOG.log(System.Logger.Level.WARNING, name + ": a message handler threw", e);
        }
    }

    private void runUser(Runnable task) {
        runUser(task, null);
    }

    private void runUser(Runnable task, InMessage<R> owned) {
        Runnable safe = () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, name + ": a handler threw", e);
            }
        };
        try {
            executor.execute(safe);
        } catch (RejectedExecutionException e) {
            if (owned != null) {
                owned.close(); // the channel is over
            } else if (ownExecutor != null && ownExecutor.isShutdown()) {
                safe.run(); // a last report (the error) after the handler thread stopped taking work
            }
        }
    }

    static void closeAll(List<NativeHandle> handles) {
        for (NativeHandle h : handles) {
            try {
                h.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }

    @Override
    public String toString() {
        return "MessageChannel[" + name + " over " + channel + (closing.get() ? ", closed]" : "]");
    }
}
