package dev.ipc4j.transport;

/**
 * The handshake between a {@link Runner} thread about to sleep and the threads that ask it to run a cycle
 * ({@link Runner.Attachment#wake()}): Dekker's pattern on two volatile flags. An asker stores REQUESTED, then reads
 * PARKED; the runner stores PARKED, then reads REQUESTED. Volatile accesses are sequentially consistent, so at least
 * one of the two sees the other's store: either the runner does not sleep, or the asker rings the runner's doorbell (an
 * eventfd in the epoll set it sleeps on). A request is never lost to a sleep. Proof: jcstress
 * {@code RunnerSleepHandshakeStress}.
 *
 * <p>Thread contracts: {@link #requestVolatile()} from any thread; everything else from the runner thread only.
 */
final class SleepHandshake {
    private volatile boolean requested;
    private volatile boolean parked;

    /** Asks for a cycle; true when the runner may be asleep, so the caller must ring its doorbell. Any thread. */
    boolean requestVolatile() {
        requested = true;
        return parked;
    }

    /** Whether a cycle was asked for since the last {@link #clear()}: a look that skips a sleep early. Runner thread. */
    boolean isRequested() {
        return requested;
    }

    /**
     * Announces a sleep; true if the runner may sleep (no request came first). Whatever it returns, {@link #unpark()}
     * follows once the runner no longer sleeps. Runner thread.
     */
    boolean parkVolatile() {
        parked = true;
        return !requested;
    }

    /** The sleep is over (or did not happen): askers stop ringing. Runner thread. */
    void unpark() {
        parked = false;
    }

    /** A cycle starts that serves every request made so far. Runner thread. */
    void clear() {
        requested = false;
    }
}
