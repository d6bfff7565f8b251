package dev.ipc4j.message;

/**
 * Receives messages of one type ({@link MessageChannel#expect}) or the items of a stream
 * ({@link MessageChannel#requestStream}), on the channel's handler executor. The handler owns the message and closes
 * it. An {@link InvalidPayloadException} it throws (from {@link InMessage#root()}) is reported like a malformed frame;
 * other exceptions are logged and the message closed.
 */
@FunctionalInterface
public interface MessageHandler<R> {
    /** Handles {@code message}, which it owns and must close (try-with-resources). */
    void onMessage(InMessage<R> message) throws Exception;
}
