package dev.ipc4j.pubsub;

import dev.ipc4j.shm.Lease;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sample kept past its handler ({@link Sample#retain()}): a hold of its own on the block in the publisher's shared
 * memory, read in place. Close it (from any thread) to give the hold back; one garbage-collected unclosed is reported
 * with where it was taken, as every lease is.
 */
public final class RetainedSample implements AutoCloseable {
    private final long sequence;
    private final Lease lease;
    private final AtomicInteger retained;
    private final AtomicBoolean closed = new AtomicBoolean();

    RetainedSample(long sequence, Lease lease, AtomicInteger retained) {
        this.sequence = sequence;
        this.lease = lease;
        this.retained = retained;
    }

    /** The sample's sequence number in its topic. */
    public long sequence() {
        return sequence;
    }

    /** The sample's bytes in place (read-only); valid until {@link #close()}. */
    public MemorySegment memory() {
        return lease.memory();
    }

    /** Gives the hold back; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            lease.close();
            retained.decrementAndGet();
        }
    }

    @Override
    public String toString() {
        return "RetainedSample[" + sequence + ", " + lease.memory().byteSize() + " bytes" + (closed.get() ? ", closed]" : "]");
    }
}
