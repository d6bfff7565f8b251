package dev.ipc4j.pubsub;

/**
 * Samples a subscriber did not get: sequences {@code from} (inclusive) to {@code to} (exclusive), because the topic
 * no longer had them when it got there (a lossy subscriber was lapped, a late joiner asked for more history than the
 * topic keeps). {@link #missed()} is exact: the sequences say it.
 */
public record Gap(long from, long to) {
    public Gap {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("a gap from " + from + " to " + to);
        }
    }

    /** How many samples were missed. */
    public long missed() {
        return to - from;
    }
}
