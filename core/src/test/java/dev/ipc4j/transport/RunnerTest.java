package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.os.EventFd;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.NoLeaks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runner in one process: many agents on few threads made by the user's factory, threads that end with their last
 * agent, sleeps that end for a doorbell or a {@code wake()}, and a failing agent that is dropped alone.
 */
class RunnerTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** An agent that counts its cycles on whichever thread, and is done when told. */
    private static final class Counting implements Agent {
        final AtomicInteger cycles = new AtomicInteger();
        final Set<Thread> threads = ConcurrentHashMap.newKeySet();
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicBoolean removed = new AtomicBoolean();
        volatile boolean poke;

        @Override
        public int doWork() {
            cycles.incrementAndGet();
            threads.add(Thread.currentThread());
            if (poke) {
                poke = false;
                return 1;
            }
            return 0;
        }

        @Override
        public boolean prepareToSleep(WaitSet waits) {
            return !poke;
        }

        @Override
        public void awoke() {}

        @Override
        public boolean isDone() {
            return done.get();
        }

        @Override
        public void onRemoved() {
            removed.set(true);
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        Eventually.await(condition, what, WAIT);
    }

    @Test
    void aHundredAgentsRunOnTheTwoThreadsTheUsersFactoryMadeWhichEndWithTheirLastAgent() {
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        ThreadFactory factory = r -> {
            Thread t = Thread.ofPlatform().daemon().unstarted(r);
            made.add(t);
            return t;
        };
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withThreadFactory(factory).withThreads(2)
                .withWait(WaitStrategy.blocking()))) {
            List<Counting> agents = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                Counting a = new Counting();
                agents.add(a);
                runner.attach(a);
            }
            await(() -> agents.stream().allMatch(a -> a.cycles.get() > 0), "every agent ran");
            assertEquals(2, runner.liveThreads());
            assertEquals(2, made.size(), "one thread per runner thread, no more");
            for (Counting a : agents) {
                assertTrue(made.containsAll(a.threads), "agents run on the factory's threads only");
                assertEquals(1, a.threads.size(), "an agent stays on its thread");
            }
            for (Counting a : agents) {
                a.done.set(true);
            }
            runner.attach(new Counting()).wake(); // a wake makes the sleeping threads look at their agents now
            await(() -> agents.stream().allMatch(a -> a.removed.get()), "every done agent dropped");
        }
    }

    @Test
    void anIdleRunnerHoldsNoThreadAndStartsOneForTheNextAgent() {
        Runner runner = Runner.start(Runner.Config.DEFAULT.withWait(WaitStrategy.blocking()));
        try {
            assertEquals(0, runner.liveThreads(), "nothing attached: no thread");
            Counting a = new Counting();
            runner.attach(a);
            await(() -> a.cycles.get() > 0, "the agent ran");
            a.done.set(true);
            await(() -> runner.liveThreads() == 0, "the thread ended with its last agent");
            Counting b = new Counting();
            runner.attach(b);
            await(() -> b.cycles.get() > 0, "a new thread for the next agent");
            b.done.set(true);
        } finally {
            runner.close();
        }
        assertEquals(0, runner.liveThreads());
        assertThrows(IllegalStateException.class, () -> runner.attach(new Counting()));
    }

    @Test
    void aSleepingRunnerWakesForADoorbellItsAgentRegisteredAndForWake() throws Exception {
        try (EventFd bell = EventFd.create();
             Runner runner = Runner.start(Runner.Config.DEFAULT.withWait(WaitStrategy.blocking()))) {
            AtomicInteger rings = new AtomicInteger();
            AtomicInteger sleeps = new AtomicInteger();
            AtomicBoolean done = new AtomicBoolean();
            Agent agent = new Agent() {
                @Override
                public int doWork() {
                    try {
                        if (bell.drain()) {
                            rings.incrementAndGet();
                            return 1;
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return 0;
                }

                @Override
                public boolean prepareToSleep(WaitSet waits) {
                    try {
                        waits.add(bell.fd());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    sleeps.incrementAndGet();
                    return true;
                }

                @Override
                public void awoke() {}

                @Override
                public boolean isDone() {
                    return done.get();
                }
            };
            Runner.Attachment attached = runner.attach(agent);
            await(() -> sleeps.get() > 0, "the runner sleeps");
            for (int i = 1; i <= 3; i++) {
                bell.signal();
                int expected = i;
                await(() -> rings.get() == expected, "ring " + i + " seen");
            }
            // Sleeps end by the 100 ms check interval anyway; a done agent seen long before that proves the wake.
            done.set(true);
            long start = System.nanoTime();
            attached.wake();
            await(() -> runner.liveThreads() == 0, "the done agent dropped");
            assertTrue(System.nanoTime() - start < WaitStrategy.CHECK_INTERVAL.toNanos() * 10, "woken, not timed out");
        }
    }

    @Test
    void anAgentThatThrowsIsDroppedAndTheOthersGoOn() {
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withWait(WaitStrategy.blocking()))) {
            AtomicBoolean removed = new AtomicBoolean();
            Agent failing = new ProbeAgent() {
                @Override
                public int doWork() {
                    throw new IllegalStateException("on purpose");
                }

                @Override
                public void onRemoved() {
                    removed.set(true);
                }
            };
            Counting healthy = new Counting();
            runner.attach(healthy);
            runner.attach(failing);
            await(removed::get, "the failing agent dropped");
            int before = healthy.cycles.get();
            healthy.poke = true;
            runner.attach(new Counting()).wake();
            await(() -> healthy.cycles.get() > before, "the healthy agent goes on");
            assertFalse(healthy.removed.get());
            healthy.done.set(true);
        }
    }
}
