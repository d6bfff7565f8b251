package dev.ipc4j.os;

/**
 * Descriptors one thread waits on together for readability, filled anew before each wait: {@link PollSet} (one
 * {@code poll(2)} per wait, nothing kept between waits: best for a few descriptors) or {@link EpollSet} (registrations
 * kept between waits, so a wait costs the same for 3 descriptors or 300: for a thread that sleeps on many rings).
 * Not thread-safe: one per waiting thread.
 */
public sealed interface DescriptorSet extends AutoCloseable permits PollSet, EpollSet {
    /** Empties the set, for the next wait. */
    void clear();

    /** Adds {@code fd} for the next wait; returns its index for {@link #ready(int)}. */
    int add(Fd fd) throws ErrnoException;

    /** How many descriptors were added since {@link #clear()}. */
    int size();

    /**
     * Waits up to {@code timeoutMillis} (negative: no limit) until one of the descriptors is readable, hung up or in
     * error; returns how many are. An interrupted wait (EINTR) returns 0: the caller loops anyway.
     */
    int await(int timeoutMillis) throws ErrnoException;

    /** Whether descriptor {@code index} was readable (or hung up, or in error) after the last {@link #await}. */
    boolean ready(int index);

    /** Frees what the set keeps between waits (an {@link EpollSet}'s descriptor); it may be used again after. */
    @Override
    void close();
}
