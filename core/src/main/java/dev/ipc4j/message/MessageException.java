package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException;


/**
 * Why a message operation failed; the set is closed so a {@code switch} covers it, except that
 * {@link InvalidPayloadException} is open for codec modules to extend.
 */
public abstract sealed class MessageException extends Ipc4jException
        permits MessageTimeoutException, ChannelClosedException, MalformedMessageException, StreamCancelledException,
                InvalidPayloadException,
                BackPressureException {
    private static final long serialVersionUID = 1L;

    MessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
