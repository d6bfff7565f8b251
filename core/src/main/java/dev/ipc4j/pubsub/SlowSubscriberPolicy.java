package dev.ipc4j.pubsub;

/**
 * What a publisher does about a {@link Delivery#RELIABLE} subscriber that is still a whole history behind after the
 * topic's {@link Publisher.Config#reliableTimeout()}. Each decision is reported to the topic's
 * {@link Publisher.Config#listener()}.
 */
public enum SlowSubscriberPolicy {
    /** The publish fails with {@link SlowSubscriberException}; nothing is published and the caller decides. */
    FAIL_PUBLISH,
    /** The subscriber becomes {@link Delivery#LOSSY}: the publisher goes on, the subscriber sees a {@link Gap}. */
    DEMOTE,
    /**
     * The subscription is ended: the publisher goes on, and the subscriber's next read fails with
     * {@link SubscriptionEndedException}.
     */
    DISCONNECT
}
