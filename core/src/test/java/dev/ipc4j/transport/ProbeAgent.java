package dev.ipc4j.transport;

/**
 * An agent a test attaches to a runner to hold, watch or break it: it has nothing to wait for (it lets the runner
 * sleep whenever the runner would), and it is done once {@link #done} is set. Subclasses give {@link #doWork()}.
 */
public abstract class ProbeAgent implements Agent {
    protected volatile boolean done;

    protected ProbeAgent() {}

    @Override
    public boolean prepareToSleep(WaitSet waits) {
        return true;
    }

    @Override
    public void awoke() {}

    /** Done from now on: the runner drops it. Any thread. */
    public final void finish() {
        done = true;
    }

    @Override
    public boolean isDone() {
        return done;
    }
}
