package dev.ipc4j.shm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link ShmLock}, the takeover lock of an arena's rare sections (growing, reclaiming), between two threads: each
 * takes it and adds to a plain field under it; a lost update (the lock did not exclude, or its release store did not
 * publish) shows as 1. r2 = the lock word at the end, which must be free again.
 */
@JCStressTest
@Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both updates, one after the other; the lock free")
@Outcome(expect = FORBIDDEN, desc = "an update lost, or the lock left held")
@State
public class ShmLockStress {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final MemorySegment control = MemorySegment.ofArray(new long[1]);
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
        ShmLock.lock(control, 0, TIMEOUT);
        try {
            counter++;
        } finally {
            ShmLock.unlock(control, 0);
        }
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = counter;
        r.r2 = (int) (long) ArenaLayout.LONG.getAcquire(control, 0);
    }
}
