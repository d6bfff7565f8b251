package dev.ipc4j.pubsub;

/**
 * The publisher's process died (or its session ended without its closing the topic): thrown once by the subscriber's
 * next read, which returns {@link Subscriber#ENDED} from then on. Subscribe again to a restarted publisher: its topic
 * is a new epoch, and nothing of the old one is read.
 */
public final class PublisherGoneException extends PubSubException {
    private static final long serialVersionUID = 1L;

    PublisherGoneException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public Category category() {
        return Category.PEER_GONE;
    }
}
