package dev.ipc4j.message;

/**
 * Learns what happens on one call, on the thread that drives the channel (inline: a listener must not block). The
 * caller's listener is given to {@link MessageEndpoint#openCall}; the callee's is what its {@link CallHandler} returns.
 *
 * @param <R> the root type of the channel's codec
 */
public interface CallListener<R> {
    /** The callee's response headers ({@link Call#sendHeaders}), at most once, before its first message. */
    default void onHeaders(Metadata headers) {}

    /** A message of the call; the listener owns it and closes it. Arrives only within the credit it granted. */
    default void onMessage(InMessage<R> message) {
        message.close();
    }

    /** The other side sends no more messages. */
    default void onHalfClose() {}

    /** The other side granted credit after it had run out: {@link Call#isReady()} is true again. */
    default void onReady() {}

    /**
     * The call is over, once: the callee closed it ({@code status} and {@code trailers} as it sent them), or it ended
     * here (cancelled, past its deadline: the peer is told; the channel ended: {@link Status#UNAVAILABLE}).
     */
    default void onClose(Status status, Metadata trailers) {}
}
