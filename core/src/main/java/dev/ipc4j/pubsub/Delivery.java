package dev.ipc4j.pubsub;

/** How a subscriber receives a topic: chosen per subscriber, so a slow non-critical one never slows a critical one. */
public enum Delivery {
    /**
     * The publisher never waits for this subscriber. When it falls more than the topic's history behind, it skips to
     * the oldest sample still there and is told exactly what it missed ({@link Gap}).
     */
    LOSSY,
    /**
     * The publisher waits for this subscriber before it overwrites a sample it has not read, at most the topic's
     * {@link Publisher.Config#reliableTimeout()}; then the topic's {@link SlowSubscriberPolicy} decides.
     */
    RELIABLE
}
