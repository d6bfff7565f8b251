package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.PollSet;

/**
 * What a sleeping thread waits for: the descriptors (ring doorbells, sockets, pidfds) the {@link Agent}s it drives
 * registered in {@link Agent#prepareToSleep}, and the earliest time one of them wants to run again. Filled anew before
 * every sleep; only transport objects add descriptors (through their own {@code prepareToSleep}), so no descriptor
 * number ever reaches user code. Not thread-safe: one per sleeping thread.
 */
public final class WaitSet {
    private final PollSet polls = new PollSet();
    private long wakeBy = Long.MAX_VALUE;

    /** Creates an empty set; a {@link Runner} has its own, and a thread driving an agent by hand makes one. */
    public WaitSet() {}

    /** Empties the set, for the next sleep. */
    public void clear() {
        polls.clear();
        wakeBy = Long.MAX_VALUE;
    }

    int add(Fd fd) throws ErrnoException {
        return polls.add(fd);
    }

    /** Asks to be run again by {@code nanoTime} ({@link System#nanoTime()} scale) even if nothing arrives. */
    public void wakeBy(long nanoTime) {
        if (nanoTime - wakeBy < 0) {
            wakeBy = nanoTime;
        }
    }

    long wakeBy() {
        return wakeBy;
    }

    /**
     * Sleeps until a registered descriptor is ready, {@code maxNanos} pass, or the time asked by {@link #wakeBy}; an
     * empty set just sleeps. Rounds up to whole milliseconds (poll's unit), never down to "don't wait".
     */
    public void await(long maxNanos) throws TransportException {
        long nanos = Math.min(maxNanos, wakeBy == Long.MAX_VALUE ? Long.MAX_VALUE : wakeBy - System.nanoTime());
        int millis = nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
        try {
            polls.await(millis);
        } catch (ErrnoException e) {
            throw new PeerGoneException("waiting failed: " + e.getMessage(), e);
        }
    }

    boolean ready(int index) {
        return polls.ready(index);
    }
}
