package dev.ipc4j.message;

/**
 * Receives messages of one type ({@link MessageChannel#expect}) or the items of a stream
 * ({@link MessageChannel#requestStream}), inline on the thread that drives the channel: its {@link
 * dev.ipc4j.transport.Runner}'s, or the caller of {@link MessageEndpoint#poll} for a bare endpoint. A handler that
 * blocks holds up every channel of that thread. The handler owns the message and closes it. An {@link InvalidPayloadException} it throws (from {@link InMessage#root()}) is reported like a malformed frame;
 * other exceptions are logged and the message closed.
 */
@FunctionalInterface
public interface MessageHandler<R> {
    /** Handles {@code message}, which it owns and must close (try-with-resources). */
    void onMessage(InMessage<R> message) throws Exception;
}
