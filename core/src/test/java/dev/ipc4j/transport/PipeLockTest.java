package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link PipeLock}: mutual exclusion under contention, reentrancy, timeouts, and wake-ups of parked waiters. */
class PipeLockTest {
    /** Four threads (on two cores: they are preempted inside) add to plain fields under the lock: no update is lost. */
    @Test
    void contendedThreadsNeverOverlap() throws Exception {
        PipeLock lock = new PipeLock();
        long[] counter = {0};
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int threads = 4;
        int rounds = 200_000;
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofPlatform().name("pipe-lock-" + t).start(() -> {
                for (int i = 0; i < rounds; i++) {
                    lock.lock();
                    try {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0]++;
                        if ((i & 1023) == 0) {
                            Thread.yield(); // now and then hold it long enough for the others to park
                        }
                        inside.decrementAndGet();
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        for (Thread t : started) {
            t.join(TimeUnit.MINUTES.toMillis(2));
            assertFalse(t.isAlive(), t.getName() + " is stuck");
        }
        assertEquals(0, overlaps.get(), "two holders at once");
        assertEquals((long) threads * rounds, counter[0], "updates lost");
    }

    @Test
    void theHolderMayTakeItAgainAndMustReleaseEveryHold() throws Exception {
        PipeLock lock = new PipeLock();
        lock.lock();
        lock.lock();
        assertTrue(lock.isHeldByCurrentThread());
        lock.unlock();
        assertTrue(lock.isHeldByCurrentThread(), "one hold left");
        boolean[] gotIt = {true};
        Thread other = Thread.ofPlatform().start(() -> {
            try {
                gotIt[0] = lock.tryLock(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        other.join();
        assertFalse(gotIt[0], "held: another thread times out");
        lock.unlock();
        assertFalse(lock.isHeldByCurrentThread());
        assertThrows(IllegalMonitorStateException.class, lock::unlock, "released already");
    }

    /** A waiter that went to sleep is woken by the release (well before its longest park of 1 ms would end). */
    @Test
    void aParkedWaiterGetsTheLockWhenItIsReleased() throws Exception {
        PipeLock lock = new PipeLock();
        lock.lock();
        CountDownLatch waiting = new CountDownLatch(1);
        long[] tookAt = {0};
        Thread waiter = Thread.ofPlatform().start(() -> {
            waiting.countDown();
            lock.lock();
            tookAt[0] = System.nanoTime();
            lock.unlock();
        });
        waiting.await();
        while (waiter.getState() != Thread.State.TIMED_WAITING) { // parked: spins and yields are over
            Thread.onSpinWait();
        }
        long releasedAt = System.nanoTime();
        lock.unlock();
        waiter.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(waiter.isAlive());
        assertTrue(tookAt[0] >= releasedAt, "took it only after the release");
    }
}
