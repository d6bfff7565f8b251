package dev.ipc4j.pubsub;

import dev.ipc4j.Ipc4jException;

/** Why a publish or a subscription failed; the set is closed so a {@code switch} covers it. */
public abstract sealed class PubSubException extends Ipc4jException
        permits PublisherGoneException, SubscriptionEndedException, SlowSubscriberException {
    private static final long serialVersionUID = 1L;

    PubSubException(String message, Throwable cause) {
        super(message, cause);
    }
}
