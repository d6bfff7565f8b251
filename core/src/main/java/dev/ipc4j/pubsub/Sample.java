package dev.ipc4j.pubsub;

import java.lang.foreign.MemorySegment;

/**
 * One published sample as a subscriber's handler sees it: its sequence number and its bytes, read in place in the
 * publisher's shared memory (read-only). A flyweight: valid only inside {@link SampleHandler#onSample}; copy what must
 * outlive the call.
 */
public final class Sample {
    private long sequence;
    private MemorySegment memory;

    Sample() {}

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
