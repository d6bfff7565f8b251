package dev.ipc4j.transport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A reentrant mutual-exclusion lock for one side of a pipe (its senders, or its receiver), made for the case that
 * matters: one thread, no contention, a few hundred nanoseconds inside. Taking it free costs one compare-and-set;
 * releasing it one release store and one plain read, where {@link java.util.concurrent.locks.ReentrantLock}'s release is
 * a volatile store (a full fence on x86) and a read of its queue. On the round-trip path of a pipe that is two fences
 * per message each way.
 *
 * <p>A thread that finds it taken spins briefly, then yields, then parks, and is woken by the releaser when it
 * registered as waiting. A waiter registers (volatile) before its last look at the lock, and a releaser reads the
 * waiter count only after its release store, with no fence between: so a release can miss a waiter that registered
 * at that instant. Parks are therefore bounded ({@link #MAX_PARK_NANOS}); the wake-up only shortens them. Fairness is
 * not promised.
 *
 * <p>Invariant: {@code state == 0} and {@code owner == null}, or {@code state == 1} and {@code owner} is the holding
 * thread, which alone changes {@code holds}.
 */
final class PipeLock {
    private static final VarHandle STATE;
    private static final VarHandle WAITERS;
    private static final int SPINS = 200;
    private static final int YIELDS = 20;
    private static final long MAX_PARK_NANOS = 1_000_000;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(PipeLock.class, "state", int.class);
            WAITERS = lookup.findVarHandle(PipeLock.class, "waiters", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through STATE
    private int state;
    @SuppressWarnings("unused") // through WAITERS
    private int waiters;
    /** The holder; written by it (plain) after taking the lock and before releasing it. */
    private Thread owner;
    /** How many times the holder took it; only the holder reads or writes it. */
    private int holds;
    /** The last thread to park waiting (a hint for the releaser's unpark). */
    private volatile Thread parked;

    /** Takes the lock, waiting as long as it takes. */
    void lock() {
        Thread me = Thread.currentThread();
        if (owner == me) {
            holds++;
            return;
        }
        if (!STATE.compareAndSet(this, 0, 1)) {
            await(me, Long.MAX_VALUE);
        }
        owner = me;
        holds = 1;
    }

    /** Takes the lock if it is free or ours, or becomes so within {@code timeout}; false otherwise. */
    boolean tryLock(long timeout, TimeUnit unit) throws InterruptedException {
        Thread me = Thread.currentThread();
        if (owner == me) {
            holds++;
            return true;
        }
        if (!STATE.compareAndSet(this, 0, 1)) {
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            if (!await(me, System.nanoTime() + unit.toNanos(timeout))) {
                return false;
            }
        }
        owner = me;
        holds = 1;
        return true;
    }

    /** Releases one hold; the lock is free once every hold is released. Only the holder may call it. */
    void unlock() {
        if (owner != Thread.currentThread()) {
            throw new IllegalMonitorStateException("the pipe lock is not held by this thread");
        }
        if (--holds > 0) {
            return;
        }
        owner = null;
        STATE.setRelease(this, 0);
        if ((int) WAITERS.getOpaque(this) != 0) {
            Thread t = parked;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    boolean isHeldByCurrentThread() {
        return owner == Thread.currentThread();
    }

    /** Waits for the lock until {@code deadline} (System.nanoTime); true once taken. */
    private boolean await(Thread me, long deadline) {
        for (int i = 0; i < SPINS + YIELDS; i++) {
            if ((int) STATE.getOpaque(this) == 0 && STATE.compareAndSet(this, 0, 1)) {
                return true;
            }
            if (i < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        WAITERS.getAndAdd(this, 1);
        try {
            long park = 1_000;
            while (true) {
                if ((int) STATE.getVolatile(this) == 0 && STATE.compareAndSet(this, 0, 1)) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                parked = me;
                LockSupport.parkNanos(this, Math.min(left, park));
                park = Math.min(MAX_PARK_NANOS, park * 2);
            }
        } finally {
            WAITERS.getAndAdd(this, -1);
        }
    }
}
