package dev.ipc4j.pubsub;

/**
 * What a subscriber does with each sample, called inline by whoever reads ({@link Subscriber#poll}, {@link
 * Subscriber#receive} or a runner thread): keep it short, the publisher's history moves on meanwhile.
 */
@FunctionalInterface
public interface SampleHandler {
    /** One sample, in sequence order; {@code sample} is valid during this call only. */
    void onSample(Sample sample);

    /** Samples this subscriber will never get, reported before the next sample it does get. Default: ignored. */
    default void onGap(Gap gap) {}

    /**
     * For a subscriber driven by a runner ({@link Subscriber#attach}): the subscription ended, after every sample it
     * could read. {@code cause} is null when the publisher closed the topic, else why ({@link PublisherGoneException},
     * {@link SubscriptionEndedException}). Readers by hand learn the same from {@code poll} and {@code receive}.
     */
    default void onEnd(PubSubException cause) {}
}
