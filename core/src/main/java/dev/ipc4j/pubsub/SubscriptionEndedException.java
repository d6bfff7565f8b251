package dev.ipc4j.pubsub;

/**
 * The publisher ended this subscription: it was a reliable subscriber too far behind for too long, and the topic's
 * policy is {@link SlowSubscriberPolicy#DISCONNECT}. Thrown once by the subscriber's next read, which returns
 * {@link Subscriber#ENDED} from then on.
 */
public final class SubscriptionEndedException extends PubSubException {
    private static final long serialVersionUID = 1L;

    SubscriptionEndedException(String message) {
        super(message, null);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
