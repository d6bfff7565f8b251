package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.PollSet;
import java.util.Arrays;

/**
 * What wakes an {@link Agent}: the descriptors (ring doorbells, sockets, pidfds) it registered in
 * {@link Agent#prepareToSleep}, and the earliest time it wants to run again. Only transport objects add descriptors
 * (through their own {@code prepareToSleep}), so no descriptor number ever reaches user code.
 *
 * <p>Two uses. A thread driving an agent or two by hand makes one ({@link #WaitSet()}), fills it anew before each
 * sleep and sleeps in {@link #await}, one {@code poll(2)}. A {@link Runner} keeps one per agent ({@link #forRunner()}):
 * the agent fills it once and it stays filled while the agent sleeps, perhaps through many of the runner's waits; the
 * runner waits on all of them at once (one {@code epoll_wait}) and marks here which of this agent's descriptors
 * fired, for {@link #ready} in the agent's {@link Agent#awoke()}.
 *
 * <p>Not thread-safe: used by the thread driving its agent.
 */
public final class WaitSet {
    private final PollSet polls; // null: a runner's set, which the runner waits on
    private Fd[] fds = new Fd[4];
    private boolean[] readable = new boolean[4];
    private int count;
    private long wakeBy = Long.MAX_VALUE;

    /** Creates an empty set for a thread that drives an agent by hand and sleeps in {@link #await}. */
    public WaitSet() {
        this(new PollSet());
    }

    private WaitSet(PollSet polls) {
        this.polls = polls;
    }

    /** A set a {@link Runner} keeps for one agent; the runner waits on it (its {@link #await} is refused). */
    static WaitSet forRunner() {
        return new WaitSet(null);
    }

    /** Empties the set, for the next sleep. */
    public void clear() {
        Arrays.fill(fds, 0, count, null);
        count = 0;
        wakeBy = Long.MAX_VALUE;
    }

    /** Registers {@code fd}; returns its index for {@link #ready(int)}. */
    int add(Fd fd) throws ErrnoException {
        fd.get(); // refuses a closed descriptor now, not in the wait
        if (count == fds.length) {
            fds = Arrays.copyOf(fds, count * 2);
            readable = Arrays.copyOf(readable, count * 2);
        }
        fds[count] = fd;
        readable[count] = false;
        return count++;
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
     *
     * @throws IllegalStateException for a runner's set: the runner waits on it
     */
    public void await(long maxNanos) throws TransportException {
        if (polls == null) {
            throw new IllegalStateException("a runner's wait set is waited on by its runner");
        }
        long nanos = Math.min(maxNanos, wakeBy == Long.MAX_VALUE ? Long.MAX_VALUE : wakeBy - System.nanoTime());
        try {
            polls.clear();
            for (int i = 0; i < count; i++) {
                polls.add(fds[i]);
            }
            polls.await(millis(nanos));
            for (int i = 0; i < count; i++) {
                readable[i] = polls.ready(i);
            }
        } catch (ErrnoException e) {
            throw new PeerGoneException("waiting failed: " + e.getMessage(), e);
        }
    }

    /** {@code nanos} as poll's whole milliseconds, rounded up (a positive wait never becomes "don't wait"). */
    static int millis(long nanos) {
        return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000);
    }

    /** Whether descriptor {@code index} was ready when the sleep ended. */
    boolean ready(int index) {
        return readable[index];
    }

    // For the runner that waits on this set.

    int size() {
        return count;
    }

    Fd fd(int index) {
        return fds[index];
    }

    void markReady(int index) {
        readable[index] = true;
    }

    void clearReady() {
        Arrays.fill(readable, 0, count, false);
    }
}
