package dev.ipc4j.message;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The handshake between the threads that drive an endpoint by hand while they wait for an answer (requesters) and the
 * endpoint's runner, which stands aside meanwhile: it sleeps without the channel's wake-up, so the last requester to
 * leave must hand the channel back to it. Dekker's pattern on the requester count and a flag: the runner stores ASIDE,
 * then reads the count; a leaving requester decrements the count, then reads ASIDE. Volatile accesses are sequentially
 * consistent, so a runner that stood aside because it saw a requester is seen by the last one to leave, which then
 * hands back. Proof: jcstress {@code StandAsideStress}.
 *
 * <p>Thread contracts: {@link #enterVolatile()}, {@link #leaveVolatile()} and {@link #driversVolatile()} from any
 * thread; {@link #standAsideVolatile()}, {@link #isAside()} and {@link #clear()} from the runner thread (and
 * {@link #isAside()} from a requester under the endpoint's drive lock).
 */
final class StandAside {
    private final AtomicInteger drivers = new AtomicInteger();
    private volatile boolean aside;

    /** A requester begins to wait, driving the endpoint whenever it can. */
    void enterVolatile() {
        drivers.incrementAndGet();
    }

    /** A requester stops waiting; true when it was the last and the runner stands aside: it must hand back. */
    boolean leaveVolatile() {
        return drivers.decrementAndGet() == 0 && aside;
    }

    /** How many requesters wait now. */
    int driversVolatile() {
        return drivers.get();
    }

    /**
     * The runner, about to sleep: marks itself aside, then true when a requester drives (it must sleep aside; the last
     * requester to leave hands back). When false (or when it arms its own wake-up after all), {@link #clear()}.
     */
    boolean standAsideVolatile() {
        aside = true;
        return drivers.get() > 0;
    }

    /** Whether the runner sleeps aside (nobody handed back yet, and it did not wake). */
    boolean isAside() {
        return aside;
    }

    /** The runner no longer sleeps aside: it armed its own wake-up, or it woke. */
    void clear() {
        aside = false;
    }
}
