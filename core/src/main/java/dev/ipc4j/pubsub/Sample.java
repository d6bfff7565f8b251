package dev.ipc4j.pubsub;

import java.lang.foreign.MemorySegment;

/**
 * One published sample as a subscriber's handler sees it: its sequence number and its bytes, read in place in the
 * publisher's shared memory (read-only). A flyweight: valid only inside {@link SampleHandler#onSample}; to keep the
 * sample past the call without copying it, {@link #retain()} it.
 */
public final class Sample {
    private final Subscriber owner;
    private long sequence;
    private MemorySegment memory;

    Sample(Subscriber owner) {
        this.owner = owner;
    }

    /**
     * Keeps this sample past its handler, in place: the block stays alive (the publisher's history may move on) until
     * the returned {@link RetainedSample} is closed, from any thread. At most {@link Subscriber.Config#maxRetained()}
     * at once per subscriber; call it inside the handler.
     *
     * @throws IllegalStateException outside the handler, or when the subscriber retains its maximum already
     */
    public RetainedSample retain() {
        return owner.retain(this);
    }

    void set(long sequence, MemorySegment memory) {
        this.sequence = sequence;
        this.memory = memory;
    }

    /** The sample's sequence number in its topic: 0 for the first published, one more for each after. */
    public long sequence() {
        return sequence;
    }

    /** The sample's bytes in place (read-only), exactly as long as the publisher published them. */
    public MemorySegment memory() {
        return memory;
    }

    @Override
    public String toString() {
        return "Sample[" + sequence + ", " + (memory == null ? 0 : memory.byteSize()) + " bytes]";
    }
}
