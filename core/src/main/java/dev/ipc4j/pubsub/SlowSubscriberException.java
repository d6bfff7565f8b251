package dev.ipc4j.pubsub;

/**
 * A publish found a reliable subscriber a whole history behind after the topic's
 * {@link Publisher.Config#reliableTimeout()}, and the topic's policy is {@link SlowSubscriberPolicy#FAIL_PUBLISH}:
 * nothing was published, the loaned sample is still the caller's. Publish again once it has caught up, or close it.
 */
public final class SlowSubscriberException extends PubSubException {
    private static final long serialVersionUID = 1L;

    SlowSubscriberException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.BACK_PRESSURE;
    }
}
