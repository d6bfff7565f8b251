package dev.ipc4j.transport;

/**
 * A piece of caller-driven work (Agrona's duty cycle, Flow-IPC's {@code sync_io}): it does what is ready when asked and
 * owns no thread. A {@link Runner} drives any number of agents on its threads; a user may drive one by hand.
 *
 * <p>Contract for whoever drives it: {@link #doWork()}, {@link #prepareToSleep} and {@link #awoke()} are called by one
 * thread at a time; after {@code prepareToSleep} the driver sleeps (or not) and then calls {@code awoke()} exactly
 * once, before the next {@code doWork()}.
 */
public interface Agent {
    /**
     * Does the work that is ready now, never waiting (handlers run inline, on this thread); returns how much was done
     * (0: nothing was ready).
     */
    int doWork();

    /**
     * The driver found no work and is about to sleep: register what must wake it in {@code waits} (arming wake-ups,
     * e.g. telling a ring's producer that its consumer sleeps). Returns false when work arrived meanwhile; the driver
     * then does not sleep.
     */
    boolean prepareToSleep(WaitSet waits);

    /** The sleep is over (or did not happen): undo what {@link #prepareToSleep} armed. */
    void awoke();

    /** True once the agent is finished; its runner drops it and calls {@link #onRemoved()}. */
    boolean isDone();

    /** Called once by the runner after it dropped the agent (it is done, or the runner closed). */
    default void onRemoved() {}
}
