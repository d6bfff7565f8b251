package dev.ipc4j.pubsub;

/**
 * Where a new subscription starts reading. What the topic no longer has (older than its history of
 * {@link Publisher.Config#capacity()} samples) is reported to the subscriber at once as a {@link Gap}, never skipped
 * silently. A named subscriber that had read the topic before resumes where it left off instead, while that is still
 * in history ({@link Subscriber.Config#name()}).
 */
public sealed interface StartAt {
    /** From the next sample published: nothing of the past. */
    record Now() implements StartAt {}

    /** The last {@code count} samples published, then what follows. */
    record Last(long count) implements StartAt {
        public Last {
            if (count < 0) {
                throw new IllegalArgumentException("count must not be negative: " + count);
            }
        }
    }

    /** From sequence number {@code sequence} (the first sample published is 0). */
    record Sequence(long sequence) implements StartAt {
        public Sequence {
            if (sequence < 0) {
                throw new IllegalArgumentException("sequence must not be negative: " + sequence);
            }
        }
    }

    /** {@link Now}. */
    static StartAt now() {
        return new Now();
    }

    /** {@link Last} of {@code count}. */
    static StartAt last(long count) {
        return new Last(count);
    }

    /** {@link Sequence} {@code sequence}. */
    static StartAt sequence(long sequence) {
        return new Sequence(sequence);
    }

    /** The first sequence to read given the topic's {@code tail} (next to publish); may be older than the history. */
    default long requested(long tail) {
        return switch (this) {
            case Now n -> tail;
            case Last l -> Math.max(0, tail - l.count());
            case Sequence s -> s.sequence();
        };
    }
}
