package dev.ipc4j.message;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A streamed request in flight, on the requester's side: its items go to the handler given to
 * {@link MessageChannel#requestStream}; {@link #done()} completes after the last item once the responder ends the
 * stream, or exceptionally with {@link StreamCancelledException} ({@link #cancel()}) or {@link ChannelClosedException}.
 */
public final class StreamCall {
    private final long id;
    private final MessageEndpoint<?> channel;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    StreamCall(long id, MessageEndpoint<?> channel) {
        this.id = id;
        this.channel = channel;
    }

    /** The request's id (what the stream's items answer). */
    public long id() {
        return id;
    }

    /** Completes when the stream is over; see the class comment. */
    public CompletableFuture<Void> done() {
        return done.copy();
    }

    /**
     * Asks the responder to stop: no item is delivered from now on, {@link #done()} fails with
     * {@link StreamCancelledException}, and the responder's {@link ResponseStream} reports cancelled. Idempotent; no
     * effect on a stream that is over.
     */
    public void cancel() {
        if (done.isDone() || !cancelled.compareAndSet(false, true)) {
            return;
        }
        done.completeExceptionally(new StreamCancelledException("stream " + id + " cancelled here"));
        channel.cancelStream(id);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    CompletableFuture<Void> future() {
        return done;
    }
}
