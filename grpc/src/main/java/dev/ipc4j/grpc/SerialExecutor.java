package dev.ipc4j.grpc;

import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order given, on an underlying executor: gRPC delivers one call's callbacks
 * serially, whatever executor the user gave (a pool, a blocking stub's thread-less executor, a direct one). A task that
 * throws is logged and the next one runs.
 *
 * <p>A held executor queues tasks without running them until {@link #release()}: a unary request's start, message and
 * half-close then reach the user's executor as one hand-off instead of three (each hand-off to a pool thread costs a
 * wake-up, or a new thread when none is idle).
 */
final class SerialExecutor implements Executor {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final Executor underlying;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile boolean held;

    SerialExecutor(Executor underlying) {
        this(underlying, false);
    }

    SerialExecutor(Executor underlying, boolean held) {
        this.underlying = Objects.requireNonNull(underlying, "underlying");
        this.held = held;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(Objects.requireNonNull(task, "task"));
        if (!held) {
            schedule();
        }
    }

    /** A held executor runs what it queued, and what comes later, from now on; idempotent. */
    void release() {
        if (held) {
            held = false;
            schedule();
        }
    }

    private void schedule() {
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            try {
                underlying.execute(this::drain);
            } catch (RuntimeException e) { // a pool that was shut down: the tasks run nowhere, say so once
                scheduled.set(false);
                LOG.log(System.Logger.Level.WARNING, "a gRPC call's callbacks could not be scheduled", e);
            }
        }
    }

    private void drain() {
        try {
            Runnable task;
            while ((task = tasks.poll()) != null) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "a gRPC callback threw", e);
                }
            }
        } finally {
            scheduled.set(false);
        }
        if (!tasks.isEmpty()) { // one came after the last poll and before the flag was cleared
            schedule();
        }
    }
}
