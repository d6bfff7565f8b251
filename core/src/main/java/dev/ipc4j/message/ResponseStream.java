package dev.ipc4j.message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The responder's end of a streamed response ({@link MessageChannel#openStream}): {@link #send} items, then
 * {@link #end()} (or close). When the requester cancels, {@link #cancelled()} completes and {@link #send} throws
 * {@link StreamCancelledException}. Thread-safe.
 */
public final class ResponseStream implements AutoCloseable {
    private final MessageEndpoint<?> channel;
    private final long requestId;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final CompletableFuture<Void> cancelled = new CompletableFuture<>();

    ResponseStream(MessageEndpoint<?> channel, long requestId) {
        this.channel = channel;
        this.requestId = requestId;
    }

    /** The id of the request this stream answers. */
    public long requestId() {
        return requestId;
    }

    /** Sends one item (without copying it when it is in shared memory). */
    public void send(OutMessage item) throws MessageException {
        if (cancelled.isDone()) {
            throw new StreamCancelledException("the requester cancelled stream " + requestId);
        }
        if (ended.get()) {
            throw new IllegalStateException("stream " + requestId + " has ended");
        }
        channel.sendItem(item, requestId);
    }

    /** Ends the stream: the requester's {@link StreamCall#done()} completes. Idempotent. */
    public void end() throws MessageException {
        if (ended.compareAndSet(false, true)) {
            channel.endStream(requestId);
        }
    }

    /** Completes when the requester cancels. */
    public CompletableFuture<Void> cancelled() {
        return cancelled.copy();
    }

    public boolean isCancelled() {
        return cancelled.isDone();
    }

    /** The requester cancelled: the channel's reader marks it, and acknowledges by ending the stream. */
    void markCancelled() {
        cancelled.complete(null);
    }

    boolean hasEnded() {
        return ended.get();
    }

    /** Ends the stream, unless it has been ended; errors (the channel is closed) are swallowed. */
    @Override
    public void close() {
        try {
            end();
        } catch (MessageException e) {
            // the channel is over: the requester learns that from its side
        }
    }
}
