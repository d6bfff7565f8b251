package dev.ipc4j.transport;

import dev.ipc4j.os.DescriptorSet;
import dev.ipc4j.os.EpollSet;
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
    private final DescriptorSet polls;
    private long wakeBy = Long.MAX_VALUE;
    private long awaits; // waits made: a registrant tells a sleep that happened from one its driver skipped

    /**
     * Creates an empty set that waits with one {@code poll(2)} and keeps nothing between waits: for a thread driving
     * an agent or two by hand. A {@link Runner} thread has its own, which keeps its descriptors registered.
     */
    public WaitSet() {
        this(new PollSet());
    }

    private WaitSet(DescriptorSet polls) {
        this.polls = polls;
    }

    /**
     * A set for a thread that sleeps on many descriptors, mostly the same ones each time (a runner thread): its
     * registrations are kept between waits ({@link EpollSet}), so a wait costs the same for any number of them. Its
     * epoll descriptor is freed by {@link #release()}.
     */
    static WaitSet kept() {
        return new WaitSet(new EpollSet());
    }

    /** Frees what the set keeps between waits (a kept set's epoll descriptor); a later wait takes it again. */
    void release() {
        polls.close();
    }

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
        awaits++;
        try {
            polls.await(millis);
        } catch (ErrnoException e) {
            throw new PeerGoneException("waiting failed: " + e.getMessage(), e);
        }
    }

    boolean ready(int index) {
        return polls.ready(index);
    }

    /** How many waits this set has made; {@link #ready} speaks of the last one only if it changed since registering. */
    long awaits() {
        return awaits;
    }
}
