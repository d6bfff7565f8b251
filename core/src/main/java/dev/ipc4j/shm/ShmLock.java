package dev.ipc4j.shm;

import dev.ipc4j.os.ProcessIdentity;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

/**
 * A mutual-exclusion word in shared memory for rare, short critical sections (adding a segment, reclaiming a dead
 * process's holds).
 *
 * <p>Invariant: the word is 0 (free) or the packed {@link ProcessIdentity} of the process inside the section. A holder
 * that died is replaced by compare-and-set, so a crash inside the section never blocks the others for good; the
 * sections it guards are written to be redone safely by the next holder. Threads of one process exclude each other too
 * (the word is taken by CAS from 0), but a thread cannot tell its own process's holder from itself: never nest.
 */
final class ShmLock {
    private static final long SPINS_BEFORE_YIELD = 100;
    private static final long LIVENESS_CHECK_EVERY = 1000;

    private ShmLock() {}

    static void lock(MemorySegment control, long offset, Duration timeout) {
        long me = ProcessIdentity.self().pack();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long attempt = 0; ; attempt++) {
            long holder = (long) ArenaLayout.LONG.getAcquire(control, offset);
            if (holder == 0) {
                if (ArenaLayout.LONG.compareAndSet(control, offset, 0L, me)) {
                    return;
                }
            } else if (attempt % LIVENESS_CHECK_EVERY == LIVENESS_CHECK_EVERY - 1 && holder != me
                    && !ProcessIdentity.isAlive(holder)
                    && ArenaLayout.LONG.compareAndSet(control, offset, holder, me)) {
                return; // the holder died inside the section: we take over and redo its work
            }
            if (System.nanoTime() > deadline) {
                throw new ShmTimeoutException("a lock in shared memory stayed held by "
                        + ProcessIdentity.unpack(holder).map(Object::toString).orElse("an unknown word")
                        + " for more than " + timeout);
            }
            if (attempt < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    static void unlock(MemorySegment control, long offset) {
        ArenaLayout.LONG.setRelease(control, offset, 0L);
    }
}
