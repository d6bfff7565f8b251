package dev.ipc4j.pubsub;

import java.util.Optional;

/**
 * A report of what a publisher did about a slow reliable subscriber, to {@link Publisher.Config#listener()}.
 *
 * @param app the subscriber's client app
 * @param pid its process
 * @param name its name, if it gave one
 * @param behind how many samples it had not read when the publisher decided
 * @param action what the publisher did ({@link SlowSubscriberPolicy})
 */
public record SlowSubscriber(String app, long pid, Optional<String> name, long behind, SlowSubscriberPolicy action) {}
