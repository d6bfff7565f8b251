package dev.ipc4j.transport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.I_Result;

/**
 * {@link PipeLock}'s release is a release store, not a volatile one: two threads that each take the lock and add to a
 * plain field under it must still see each other's update (the release of one happens-before the other's acquiring
 * compare-and-set). A lost update would show as 1.
 */
@JCStressTest
@Outcome(id = "2", expect = ACCEPTABLE, desc = "both updates, one after the other")
@Outcome(expect = FORBIDDEN, desc = "an update lost: the lock did not exclude or did not publish")
@State
public class PipeLockStress {
    private final PipeLock lock = new PipeLock();
    private int counter;

    @Actor
    public void first() {
        add();
    }

    @Actor
    public void second() {
        add();
    }

    private void add() {
        lock.lock();
        try {
            counter++;
        } finally {
            lock.unlock();
        }
    }

    @Arbiter
    public void arbiter(I_Result r) {
        r.r1 = counter;
    }
}
