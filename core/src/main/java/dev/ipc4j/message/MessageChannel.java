package dev.ipc4j.message;

import dev.ipc4j.session.Session;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Runner;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Structured messages over one channel of a session: notifications, requests with one response or a stream of them,
 * handlers per message type, every message with an id and the id of the message it answers. Payloads are written once
 * in the session's shared memory and only a handle crosses (on a ring channel), or copied inline (socket-only
 * channel, or messages smaller than {@link Config#inlineBelow()}).
 *
 * <pre>{@code
 * try (MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
 *     ch.expectEvery(GET, req -> {                       // inline, on the runner's thread
 *         try (req; OutMessage out = ch.newMessage(1 << 20, FILE)) {
 *             fill(out.payload());
 *             ch.reply(out, req);                        // never waits here: see MessageEndpoint
 *         }
 *     });
 *     try (OutMessage q = ch.newMessage(64, GET);
 *          InMessage<MemorySegment> rsp = ch.request(q, Duration.ofSeconds(2))) {
 *         read(rsp.payload());
 *     }
 * }
 * }</pre>
 *
 * <p>This is a {@link MessageEndpoint} (the caller-driven core, where every method is documented) attached to a
 * {@link Runner}: {@link Config#runner()}, else the session's ({@link Session#runner()}: by default the process's
 * {@link Runner#shared() shared} runner, one thread for all channels). Handlers, stream items, response futures and reports run on that thread (or on a thread blocked in
 * {@link #request(OutMessage, Duration)} of the same channel, which drives it meanwhile); a handler that blocks holds
 * up every channel of its runner thread, and the channel's flow control: its peer is back-pressured. All methods are
 * thread-safe.
 *
 * @param <R> the root type of the channel's {@link Codec}
 */
public final class MessageChannel<R> implements AutoCloseable {
    /**
     * How messages run on a channel (for a {@link MessageChannel} and a bare {@link MessageEndpoint} alike).
     *
     * @param runner the runner that drives a {@link MessageChannel}; empty: the session's {@link Session#runner()}. A bare endpoint
     *     ignores it (its caller drives it)
     * @param closeOnInvalidMessage whether a malformed frame or invalid payload ends the channel (after reporting it to
     *     the error handler); otherwise it is reported (the first time) or logged, and dropped
     * @param inlineBelow payloads smaller than this are sent inline even on a ring channel (copying a few KiB costs
     *     less than lending a block): {@code newMessage} makes them outside shared memory, and a small message built
     *     in shared memory (an adopted block) is copied into its frame; 0: always in shared memory when there is a ring
     * @param descriptorTimeout how long a message on a ring channel waits for the descriptors it announces
     * @param maxUnhandled received messages not yet closed (being handled, waiting for a handler of their type, or held
     *     by the user) at which the endpoint stops reading until some are closed: the peer is back-pressured
     * @param maxUnhandledBytes the same bound in payload bytes
     * @param maxDeferred frames sent from handlers that may wait for ring room; past it such sends throw
     *     {@link BackPressureException}, and reading pauses while it is full
     * @param maxDeferredBytes the same bound in bytes
     * @param counters whether the channel publishes live counters under its session's ({@code ipc4j stat}); off, it
     *     counts in private memory (a session with counters off has none for its channels either way)
     */
    public record Config(Optional<Runner> runner, boolean closeOnInvalidMessage, long inlineBelow,
            Duration descriptorTimeout, int maxUnhandled, long maxUnhandledBytes, int maxDeferred, long maxDeferredBytes,
            boolean counters) {
        public static final Config DEFAULT = new Config(Optional.empty(), true, 4096, Duration.ofSeconds(10),
                16_384, 4L << 30, 4096, 16L << 20, true);

        public Config {
            Objects.requireNonNull(runner, "runner");
            Objects.requireNonNull(descriptorTimeout, "descriptorTimeout");
            if (inlineBelow < 0 || descriptorTimeout.isNegative() || maxUnhandled < 1 || maxUnhandledBytes < 1
                    || maxDeferred < 1 || maxDeferredBytes < 1) {
                throw new IllegalArgumentException("negative limit, or a bound below 1");
            }
        }

        /** A copy with {@code runner} replaced, checked like the rest. */
        public Config withRunner(Runner runner) {
            return new Config(Optional.of(runner), closeOnInvalidMessage, inlineBelow, descriptorTimeout, maxUnhandled,
                    maxUnhandledBytes, maxDeferred, maxDeferredBytes, counters);
        }

        /** A copy with {@code close} replaced, checked like the rest. */
        public Config withCloseOnInvalidMessage(boolean close) {
            return new Config(runner, close, inlineBelow, descriptorTimeout, maxUnhandled, maxUnhandledBytes, maxDeferred,
                    maxDeferredBytes, counters);
        }

        /** A copy with {@code bytes} replaced, checked like the rest. */
        public Config withInlineBelow(long bytes) {
            return new Config(runner, closeOnInvalidMessage, bytes, descriptorTimeout, maxUnhandled, maxUnhandledBytes,
                    maxDeferred, maxDeferredBytes, counters);
        }

        /** A copy with {@code timeout} replaced, checked like the rest. */
        public Config withDescriptorTimeout(Duration timeout) {
            return new Config(runner, closeOnInvalidMessage, inlineBelow, timeout, maxUnhandled, maxUnhandledBytes,
                    maxDeferred, maxDeferredBytes, counters);
        }

        /** A copy with {@code messages} and {@code bytes} replaced, checked like the rest. */
        public Config withMaxUnhandled(int messages, long bytes) {
            return new Config(runner, closeOnInvalidMessage, inlineBelow, descriptorTimeout, messages, bytes, maxDeferred,
                    maxDeferredBytes, counters);
        }

        /** A copy with live counters on or off for the channel. */
        public Config withCounters(boolean counters) {
            return new Config(runner, closeOnInvalidMessage, inlineBelow, descriptorTimeout, maxUnhandled,
                    maxUnhandledBytes, maxDeferred, maxDeferredBytes, counters);
        }

        /** A copy with {@code frames} and {@code bytes} replaced, checked like the rest. */
        public Config withMaxDeferred(int frames, long bytes) {
            return new Config(runner, closeOnInvalidMessage, inlineBelow, descriptorTimeout, maxUnhandled,
                    maxUnhandledBytes, frames, bytes, counters);
        }
    }

    private final MessageEndpoint<R> endpoint;

    private MessageChannel(MessageEndpoint<R> endpoint) {
        this.endpoint = endpoint;
    }

    /** Messages over init channel {@code initChannel} of {@code session}, with the default configuration. */
    public static <R> MessageChannel<R> of(Session session, int initChannel, Codec<R> codec) {
        return over(session, session.channel(initChannel), codec, Config.DEFAULT);
    }

    /**
     * Messages over {@code channel}, a channel of {@code session}, which this object owns from now on (closing it
     * closes the channel), driven by the configuration's runner. Both sides must use the message protocol on the
     * channel and nothing else.
     */
    public static <R> MessageChannel<R> over(Session session, Channel channel, Codec<R> codec, Config config) {
        return over(session, channel, codec, config, ch -> { });
    }

    /**
     * As {@link #over(Session, Channel, Codec, Config)}, with {@code setUp} run before the channel reads its first
     * frame: the place for {@link #onCall} handlers, since a call that opens before its type has a handler is refused
     * (while a message waits for its handler). If {@code setUp} throws, the channel is closed and the exception
     * propagates.
     */
    public static <R> MessageChannel<R> over(Session session, Channel channel, Codec<R> codec, Config config,
            Consumer<? super MessageChannel<R>> setUp) {
        Objects.requireNonNull(setUp, "setUp");
        MessageEndpoint<R> endpoint = MessageEndpoint.over(session, channel, codec, config);
        MessageChannel<R> ch = new MessageChannel<>(endpoint);
        try {
            setUp.accept(ch);
        } catch (RuntimeException | Error e) {
            endpoint.close();
            throw e;
        }
        Runner runner = config.runner().orElseGet(session::runner);
        endpoint.attachedTo(runner.attach(endpoint));
        return ch;
    }

    /** The caller-driven endpoint under this channel (its {@code offer}s, flow-control counts). */
    public MessageEndpoint<R> endpoint() {
        return endpoint;
    }

    /** See {@link MessageEndpoint#newMessage(long)}. */
    public OutMessage newMessage(long capacity) {
        return endpoint.newMessage(capacity);
    }

    /** See {@link MessageEndpoint#newMessage(long, int)}. */
    public OutMessage newMessage(long capacity, int type) {
        return endpoint.newMessage(capacity, type);
    }

    /** See {@link MessageEndpoint#send(OutMessage)}. */
    public long send(OutMessage out) throws MessageException {
        return endpoint.send(out);
    }

    /** See {@link MessageEndpoint#send(OutMessage, InMessage)}. */
    public long send(OutMessage out, InMessage<R> inResponseTo) throws MessageException {
        return endpoint.send(out, inResponseTo);
    }

    /** See {@link MessageEndpoint#reply}. */
    public long reply(OutMessage out, InMessage<R> request) throws MessageException {
        return endpoint.reply(out, request);
    }

    /** See {@link MessageEndpoint#offer}: never waits; {@link MessageEndpoint#BACK_PRESSURED} when the ring is full. */
    public long offer(OutMessage out) throws MessageException {
        return endpoint.offer(out);
    }

    /** See {@link MessageEndpoint#offerReply}. */
    public long offerReply(OutMessage out, InMessage<R> request) throws MessageException {
        return endpoint.offerReply(out, request);
    }

    /** See {@link MessageEndpoint#request(OutMessage)}. */
    public CompletableFuture<InMessage<R>> request(OutMessage out) {
        return endpoint.request(out);
    }

    /** See {@link MessageEndpoint#request(OutMessage, Duration)}. */
    public InMessage<R> request(OutMessage out, Duration timeout) throws MessageException, InterruptedException {
        return endpoint.request(out, timeout);
    }

    /** See {@link MessageEndpoint#driveUntil}. */
    public boolean driveUntil(Future<?> until, Duration timeout) throws InterruptedException {
        return endpoint.driveUntil(until, timeout);
    }

    /** See {@link MessageEndpoint#requestStream}. */
    public StreamCall requestStream(OutMessage out, MessageHandler<R> onItem) {
        return endpoint.requestStream(out, onItem);
    }

    /** See {@link MessageEndpoint#openStream}. */
    public ResponseStream openStream(InMessage<R> request) {
        return endpoint.openStream(request);
    }

    /** See {@link MessageEndpoint#openCall}. */
    public Call<R> openCall(CallOptions options, CallListener<R> listener) throws MessageException {
        return endpoint.openCall(options, listener);
    }

    /** See {@link MessageEndpoint#onCall}. */
    public void onCall(int type, CallHandler<R> handler) {
        endpoint.onCall(type, handler);
    }

    /** See {@link MessageEndpoint#expect}. */
    public void expect(int type, MessageHandler<R> handler) {
        endpoint.expect(type, handler);
    }

    /** See {@link MessageEndpoint#expectEvery}. */
    public void expectEvery(int type, MessageHandler<R> handler) {
        endpoint.expectEvery(type, handler);
    }

    /** See {@link MessageEndpoint#unexpect}. */
    public boolean unexpect(int type) {
        return endpoint.unexpect(type);
    }

    /** See {@link MessageEndpoint#onError}. */
    public void onError(Consumer<MessageException> handler) {
        endpoint.onError(handler);
    }

    /** See {@link MessageEndpoint#onUnexpectedResponse}. */
    public void onUnexpectedResponse(Consumer<UnexpectedResponse> listener) {
        endpoint.onUnexpectedResponse(listener);
    }

    /** The session this channel runs on. */
    public Session session() {
        return endpoint.session();
    }

    /** How payloads are written and read. */
    public Codec<R> codec() {
        return endpoint.codec();
    }

    public boolean isOpen() {
        return endpoint.isOpen();
    }

    /** How many messages wait for a handler of their type (for tests and diagnostics). */
    int cached() {
        return endpoint.cached();
    }

    /** How many sent shared-memory frames the peer has not consumed yet (for tests). */
    int inTransit() {
        return endpoint.inTransit();
    }

    /**
     * Closes the channel: pending requests and streams fail with {@link ChannelClosedException}, cached messages are
     * closed, the runner drops it. Idempotent; any thread, handlers included.
     */
    @Override
    public void close() {
        endpoint.close();
    }

    @Override
    public String toString() {
        return "MessageChannel[" + endpoint + "]";
    }
}
