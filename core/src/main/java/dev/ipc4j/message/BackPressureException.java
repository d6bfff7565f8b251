package dev.ipc4j.message;

import dev.ipc4j.Ipc4jException.Category;

/**
 * A send that must not wait found no room: the ring is full (the peer reads slower than this side writes) and the
 * bounded queue for frames sent from inside handlers is full too. Nothing was sent; send again once the peer has caught
 * up (e.g. when an {@code offer} no longer returns {@link MessageEndpoint#BACK_PRESSURED}).
 */
public final class BackPressureException extends MessageException {
    private static final long serialVersionUID = 1L;

    /** An error with detail {@code message}. */
    public BackPressureException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.BACK_PRESSURE;
    }
}
