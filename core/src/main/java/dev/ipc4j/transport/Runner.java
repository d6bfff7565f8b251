package dev.ipc4j.transport;

import dev.ipc4j.os.EpollSet;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.EventFd;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that drive {@link Agent}s: any number of agents (e.g. the message endpoints of many sessions) per thread, a
 * small fixed number of threads, all made by the {@link Config#threadFactory()} the user gives (platform or virtual).
 * Each thread runs a duty cycle: {@link Agent#doWork()} on each of its agents that is awake; when none had work it
 * idles as its {@link WaitStrategy} says (spin, yield) and then puts them to sleep and sleeps in one
 * {@code epoll_wait} on every descriptor its agents registered (ring doorbells, sockets) and its own doorbell, which
 * {@link Attachment#wake()} rings. A wake-up wakes only the agents it concerns (a descriptor of theirs fired, their
 * time came, or they were woken); the others stay asleep, registered, untouched, so a wake-up costs the same with 3
 * agents or 300 (see {@code Slot}). A thread with no agent left ends; attaching one starts it again, so an idle
 * runner holds no thread and no descriptor.
 *
 * <p>A runner thread sleeps in {@code epoll_wait}, a native call: on a virtual thread it pins its carrier while it
 * sleeps (one carrier per runner thread), which is the price of one wait for many rings and sockets.
 *
 * <p>Thread-safe: {@link #attach}, {@link Attachment#wake()} and {@link #close()} may be called from any thread.
 * Agents stay on the thread they were attached to (their handlers run there, in order).
 */
public final class Runner implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Runner.class.getName());
    private static final AtomicInteger RUNNERS = new AtomicInteger();
    private static volatile Runner shared;
    /**
     * The longest an idle runner thread spins (a {@link WaitStrategy.Backoff}'s spins) before it yields and sleeps:
     * one spin step is a whole cycle over its agents, so a count alone would mean a long burn with many agents, taking
     * the CPU the peers need on a small machine.
     */
    static final long MAX_SPIN_NANOS = 4_000;

    /**
     * @param threadFactory makes the runner's threads (a daemon platform thread each by default)
     * @param threads how many threads agents are spread over (each agent stays on one)
     * @param waitStrategy how a thread with nothing to do idles before it sleeps
     * @param name a prefix for thread names and logs
     */
    public record Config(ThreadFactory threadFactory, int threads, WaitStrategy waitStrategy, String name) {
        /** One daemon platform thread, the default backoff (a spin of at most 4 µs, a few yields, then sleep). */
        public static final Config DEFAULT = new Config(
                r -> Thread.ofPlatform().daemon().unstarted(r), 1, WaitStrategy.backoff(), "ipc4j-runner");

        public Config {
            Objects.requireNonNull(threadFactory, "threadFactory");
            Objects.requireNonNull(waitStrategy, "waitStrategy");
            Objects.requireNonNull(name, "name");
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("threads must be 1 to 1024, not " + threads);
            }
        }

        public Config withThreadFactory(ThreadFactory threadFactory) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        public Config withThreads(int threads) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        public Config withWait(WaitStrategy waitStrategy) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        public Config withName(String name) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }
    }

    private final Config config;
    private final Loop[] loops;
    private volatile boolean closed;

    private Runner(Config config) {
        this.config = config;
        this.loops = new Loop[config.threads()];
        String prefix = config.name() + "-" + RUNNERS.incrementAndGet();
        for (int i = 0; i < loops.length; i++) {
            loops[i] = new Loop(prefix + (loops.length > 1 ? "-" + i : ""));
        }
    }

    /** A runner; its threads start when the first agent is attached. */
    public static Runner start(Config config) {
        return new Runner(Objects.requireNonNull(config, "config"));
    }

    /**
     * The process's default runner ({@link Config#DEFAULT}: one daemon thread, started while it has agents): what
     * message channels use unless given another. Never closed.
     */
    public static Runner shared() {
        Runner r = shared;
        if (r == null) {
            synchronized (Runner.class) {
                r = shared;
                if (r == null) {
                    shared = r = new Runner(Config.DEFAULT.withName("ipc4j-shared-runner"));
                }
            }
        }
        return r;
    }

    public Config config() {
        return config;
    }

    /**
     * Drives {@code agent} from now on, on the runner thread with the fewest agents, until it {@link Agent#isDone()}
     * (checked every cycle; {@link Attachment#wake()} makes a sleeping thread look at once).
     *
     * @throws IllegalStateException when the runner is closed
     */
    public Attachment attach(Agent agent) {
        Objects.requireNonNull(agent, "agent");
        if (closed) {
            throw new IllegalStateException("the runner is closed");
        }
        Loop least = loops[0];
        for (Loop l : loops) {
            if (l.load.get() < least.load.get()) {
                least = l;
            }
        }
        Slot slot = new Slot(agent);
        Attachment a = new Attachment(least, slot);
        least.add(slot);
        return a;
    }

    /** How many threads run now (for tests and diagnostics). */
    public int liveThreads() {
        int n = 0;
        for (Loop l : loops) {
            if (l.isRunning()) {
                n++;
            }
        }
        return n;
    }


    /**
     * Stops the threads after their current cycle; every agent still attached is dropped ({@link Agent#onRemoved()}).
     * Waits for the threads to end, unless called from one of them. Idempotent. The shared runner cannot be closed.
     */
    @Override
    public void close() {
        if (this == shared) {
            throw new IllegalStateException("the shared runner is not closed by its users");
        }
        closed = true;
        for (Loop l : loops) {
            l.wake();
        }
        for (Loop l : loops) {
            l.join();
        }
    }

    @Override
    public String toString() {
        return "Runner[" + config.name() + ", " + loops.length + " threads" + (closed ? ", closed]" : "]");
    }

    /** An agent's place on a runner thread: how the agent (or anyone) makes that thread look at it now. */
    public static final class Attachment {
        private final Loop loop;
        private final Slot slot;

        private Attachment(Loop loop, Slot slot) {
            this.loop = loop;
            this.slot = slot;
        }

        /**
         * Makes the agent's thread run this agent soon, waking the thread if it sleeps: for work that arrives from this
         * process (a message closed, a send queued, the agent done), which no descriptor announces. Cheap when the
         * thread is awake.
         */
        public void wake() {
            slot.woken = true; // before the loop's flag: the loop clears its flag, then looks at the agents' flags
            loop.wake();
        }

        /** Whether the caller is the thread that drives this agent (a handler running inline). */
        public boolean isDriverThread() {
            return loop.thread == Thread.currentThread();
        }
    }

    /**
     * One agent on a loop thread. An agent is <em>asleep</em> from a {@link Agent#prepareToSleep} that returned true
     * until its {@link Agent#awoke()}: its wait set stays registered in the loop's epoll set meanwhile, and the loop
     * neither runs nor re-arms it, however often it wakes for other agents. It is woken (awoke(), then run) when one of
     * its descriptors fires, its {@code wakeBy} time comes, {@link Attachment#wake()} is called for it, or at the
     * loop's periodic look at every agent ({@link WaitStrategy#CHECK_INTERVAL}). So a wake-up costs work for the agents
     * it concerns, not for every agent of the thread.
     */
    private static final class Slot {
        final Agent agent;
        final WaitSet waits = WaitSet.forRunner(); // loop thread only
        boolean asleep;                             // loop thread only
        int first;                                  // loop thread only: where its descriptors start in the loop's set
        volatile boolean woken;

        Slot(Agent agent) {
            this.agent = agent;
        }
    }

    /** One runner thread and its agents. */
    private final class Loop implements Runnable {
        private final String name;
        private final ConcurrentLinkedQueue<Slot> added = new ConcurrentLinkedQueue<>();
        private final AtomicInteger load = new AtomicInteger();
        private final List<Slot> slots = new ArrayList<>(); // loop thread only
        private final EpollSet polls = new EpollSet();       // loop thread only; its descriptor held while running
        private long lastLookAtAll;                          // loop thread only
        private volatile boolean parked;
        private volatile boolean wakeRequested;
        private volatile Thread thread;
        private boolean running; // guarded by this
        private EventFd bell;    // guarded by this; open while running

        Loop(String name) {
            this.name = name;
        }

        void add(Slot slot) {
            load.incrementAndGet();
            added.add(slot);
            synchronized (this) {
                if (!running) {
                    try {
                        bell = EventFd.create();
                    } catch (ErrnoException e) {
                        added.remove(slot);
                        load.decrementAndGet();
                        throw new IllegalStateException("cannot start a runner thread: " + e.getMessage(), e);
                    }
                    Thread t = config.threadFactory().newThread(this);
                    if (t == null) {
                        throw new IllegalStateException("the runner's thread factory made no thread");
                    }
                    t.setName(name);
                    running = true;
                    thread = t;
                    t.start();
                    return;
                }
            }
            wake();
        }

        synchronized boolean isRunning() {
            return running;
        }

        void wake() {
            wakeRequested = true;
            if (parked) {
                EventFd b;
                synchronized (this) {
                    b = bell;
                }
                if (b != null) {
                    try {
                        b.signal();
                    } catch (ErrnoException e) {
                        LOG.log(System.Logger.Level.DEBUG, name + ": waking", e);
                    }
                }
            }
        }

        void join() {
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void run() {
            Idler idler = new Idler(config.waitStrategy(), MAX_SPIN_NANOS);
            boolean parksAtOnce = config.waitStrategy() instanceof WaitStrategy.Backoff b && b.spins() == 0 && b.yields() == 0;
            lastLookAtAll = System.nanoTime();
            try {
                while (true) {
                    wakeRequested = false; // before the agents' flags are read: a later wake() is seen by the wait
                    takeAdded();
                    if (closed) {
                        break;
                    }
                    if (slots.isEmpty() && stopIfIdle()) {
                        return;
                    }
                    int work = 0;
                    for (int i = 0; i < slots.size(); i++) {
                        Slot s = slots.get(i);
                        if (s.asleep) {
                            if (!s.woken) {
                                continue;
                            }
                            wakeUp(s);
                        }
                        s.woken = false; // before its work: a wake() during it runs it again
                        work += runOne(s);
                    }
                    removeDone();
                    if (work > 0) {
                        idler.reset();
                        if (parksAtOnce) {
                            await(true); // sleeps unless an agent has more to do; then only looks at the sleepers
                        } else if (anyAsleep()) {
                            await(false); // a busy thread still looks at its sleeping agents' descriptors each cycle
                        }
                        continue;
                    }
                    if (idler.idle()) {
                        await(true);
                        idler.reset();
                    }
                }
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, name + ": the runner thread failed", t);
            }
            // Closed (or failed): every agent is dropped.
            takeAdded();
            for (Slot s : slots) {
                removed(s);
            }
            slots.clear();
            synchronized (this) {
                running = false;
                closeBell();
            }
        }

        /** No agent: end the thread unless one is being added (then the add saw it running and will not start one). */
        private boolean stopIfIdle() {
            synchronized (this) {
                if (!added.isEmpty()) {
                    return false;
                }
                running = false;
                thread = null;
                closeBell();
                return true;
            }
        }

        private void closeBell() {
            polls.close(); // the loop thread's own set, which it no longer uses: this runs as it ends
            if (bell != null) {
                try {
                    bell.close();
                } catch (ErrnoException e) {
                    LOG.log(System.Logger.Level.DEBUG, name + ": closing its doorbell", e);
                }
                bell = null;
            }
        }

        private void takeAdded() {
            Slot s;
            while ((s = added.poll()) != null) {
                slots.add(s);
            }
        }

        private int runOne(Slot s) {
            try {
                return s.agent.doWork();
            } catch (RuntimeException | Error e) {
                LOG.log(System.Logger.Level.ERROR, name + ": an agent failed and is dropped: " + s.agent, e);
                slots.remove(s);
                removed(s);
                return 1;
            }
        }

        private void removeDone() {
            for (int i = slots.size() - 1; i >= 0; i--) {
                Slot s = slots.get(i);
                if (s.agent.isDone()) {
                    slots.remove(i);
                    removed(s);
                }
            }
        }

        private void removed(Slot s) {
            load.decrementAndGet();
            try {
                if (s.asleep) {
                    wakeUp(s);
                }
                s.agent.onRemoved();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, name + ": an agent failed on removal: " + s.agent, e);
            }
        }

        /** Adds a sleeping agent's descriptors to this wait; false when one of them is closed. */
        private boolean register(Slot s) {
            for (int f = 0; f < s.waits.size(); f++) {
                try {
                    polls.add(s.waits.fd(f));
                } catch (ErrnoException e) {
                    return false;
                }
            }
            return true;
        }

        private boolean anyAsleep() {
            for (int i = 0; i < slots.size(); i++) {
                if (slots.get(i).asleep) {
                    return true;
                }
            }
            return false;
        }

        /** Ends an agent's sleep: the contract's one {@link Agent#awoke()} after its {@link Agent#prepareToSleep}. */
        private void wakeUp(Slot s) {
            s.asleep = false;
            s.agent.awoke();
        }

        /**
         * Puts the agents that ran to sleep ({@code mayArm}; one with work left stays awake) and waits, in one
         * {@code epoll_wait}, on every sleeping agent's descriptors and the loop's doorbell: until one fires, or the
         * earliest time an agent asked for, or the check interval; not at all (just a look) when an agent stayed awake,
         * a wake-up was asked for, or {@code mayArm} is false. Then wakes the agents it concerns.
         */
        private void await(boolean mayArm) throws ErrnoException, TransportException {
            EventFd b;
            synchronized (this) {
                b = bell;
            }
            polls.clear();
            int bellIndex = polls.add(b.fd());
            boolean block = mayArm;
            long wakeBy = lastLookAtAll + WaitStrategy.CHECK_INTERVAL.toNanos();
            parked = true;
            try {
                for (int i = 0; i < slots.size(); i++) {
                    Slot s = slots.get(i);
                    if (!s.asleep && block) {
                        s.waits.clear();
                        if (s.agent.prepareToSleep(s.waits)) {
                            s.asleep = true;
                        } else {
                            s.agent.awoke();
                            block = false; // it has work: it is run next cycle, the others are only looked at
                        }
                    }
                    if (s.asleep) {
                        s.first = polls.size();
                        if (!register(s)) {
                            wakeUp(s); // one of its descriptors was closed meanwhile: it runs and sees why
                            block = false;
                            continue;
                        }
                        long at = s.waits.wakeBy();
                        if (at - wakeBy < 0) {
                            wakeBy = at;
                        }
                    }
                }
                int millis = block && !wakeRequested ? WaitSet.millis(wakeBy - System.nanoTime()) : 0;
                if (polls.await(millis) > 0 && polls.ready(bellIndex)) {
                    b.drain();
                }
            } finally {
                parked = false;
            }
            long now = System.nanoTime();
            boolean all = now - lastLookAtAll >= WaitStrategy.CHECK_INTERVAL.toNanos();
            if (all) {
                lastLookAtAll = now; // every agent runs at least this often, whatever else wakes it
            }
            for (int i = 0; i < slots.size(); i++) {
                Slot s = slots.get(i);
                if (!s.asleep) {
                    continue;
                }
                s.waits.clearReady();
                boolean fired = false;
                for (int f = 0; f < s.waits.size(); f++) {
                    if (polls.ready(s.first + f)) {
                        s.waits.markReady(f);
                        fired = true;
                    }
                }
                if (fired || all || s.woken || s.waits.wakeBy() - now <= 0) {
                    wakeUp(s);
                }
            }
        }
    }
}
