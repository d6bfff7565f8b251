package dev.ipc4j.pubsub;

/**
 * The publisher ended this subscription: it was a reliable subscriber too far behind for too long and the topic's
 * policy is {@link SlowSubscriberPolicy#DISCONNECT}, or the publisher could not serve it any more (it did not take
 * the shared memory's descriptors); or the topic's index broke the protocol. Thrown once by the subscriber's next
 * read, which returns {@link Subscriber#ENDED} from then on.
 */
public final class SubscriptionEndedException extends PubSubException {
    private static final long serialVersionUID = 1L;

    SubscriptionEndedException(String message) {
        super(message, null);
    }

    SubscriptionEndedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.CLOSED;
    }
}
