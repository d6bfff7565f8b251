package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that drive {@link Agent}s: any number of agents (e.g. the message endpoints of many sessions) per thread, a
 * small fixed number of threads, all made by the {@link Config#threadFactory()} the user gives (platform or virtual).
 * Each thread runs a duty cycle: {@link Agent#doWork()} on each of its agents; when none had work it idles as its
 * {@link WaitStrategy} says (spin, yield) and then sleeps in one {@code epoll_wait} on every descriptor its agents
 * registered (ring doorbells, sockets) and its own doorbell, which {@link Attachment#wake()} rings. The epoll set keeps
 * its registrations from one sleep to the next ({@link dev.ipc4j.os.EpollSet}), so a sleep is one system call however
 * many rings the thread drives. A thread with no agent left ends; attaching one starts it again, so an idle runner
 * holds no thread and no descriptor.
 *
 * <p>A runner thread sleeps in {@code epoll_wait}, a native call: on a virtual thread it pins its carrier while it
 * sleeps (one carrier per runner thread), which is the price of one wait for many rings and sockets.
 *
 * <p>Thread-safe: {@link #attach}, {@link Attachment#wake()} and {@link #close()} may be called from any thread.
 * Agents stay on the thread they were attached to (their handlers run there, in order).
 */
public final class Runner implements AutoCloseable {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Runner.class.getName());
    }
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
                Threads.DAEMON, 1, WaitStrategy.backoff(), "ipc4j-runner");

        public Config {
            Objects.requireNonNull(threadFactory, "threadFactory");
            Objects.requireNonNull(waitStrategy, "waitStrategy");
            Objects.requireNonNull(name, "name");
            if (threads < 1 || threads > 1024) {
                throw new IllegalArgumentException("threads must be 1 to 1024, not " + threads);
            }
        }

        /** A copy with {@code threadFactory} replaced, checked like the rest. */
        public Config withThreadFactory(ThreadFactory threadFactory) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        /** A copy with {@code threads} replaced, checked like the rest. */
        public Config withThreads(int threads) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        /** A copy with {@code waitStrategy} replaced, checked like the rest. */
        public Config withWait(WaitStrategy waitStrategy) {
            return new Config(threadFactory, threads, waitStrategy, name);
        }

        /** A copy with {@code name} replaced, checked like the rest. */
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
                    shared = r = new Runner(Config.DEFAULT.withName("ipc4j-shared-runner")
                            .withThreadFactory(Threads.processFactory()));
                }
            }
        }
        return r;
    }

    /** What this runner was built with. */
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
        Attachment a = new Attachment(least);
        least.add(agent);
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

        private Attachment(Loop loop) {
            this.loop = loop;
        }

        /**
         * Makes the agent's thread run a cycle soon, waking it if it sleeps: for work that arrives from this process
         * (a message closed, a send queued, the agent done), which no descriptor announces. Cheap when it is awake.
         */
        public void wake() {
            loop.wake();
        }

        /** Whether the caller is the thread that drives this agent (a handler running inline). */
        public boolean isDriverThread() {
            return loop.thread == Thread.currentThread();
        }
    }

    /** One runner thread and its agents. */
    private final class Loop implements Runnable {
        private final String name;
        private final ConcurrentLinkedQueue<Agent> added = new ConcurrentLinkedQueue<>();
        private final AtomicInteger load = new AtomicInteger();
        private final List<Agent> agents = new ArrayList<>(); // loop thread only
        private final WaitSet waits = WaitSet.kept(); // its epoll descriptor is held while the thread runs
        private final SleepHandshake handshake = new SleepHandshake();
        private volatile Thread thread;
        private boolean running; // guarded by this
        private EventFd bell;    // guarded by this; open while running

        Loop(String name) {
            this.name = name;
        }

        void add(Agent agent) {
            load.incrementAndGet();
            added.add(agent);
            synchronized (this) {
                if (!running) {
                    try {
                        bell = EventFd.create();
                    } catch (ErrnoException e) {
                        added.remove(agent);
                        load.decrementAndGet();
                        throw new IllegalStateException("cannot start a runner thread: " + e.getMessage(), e);
                    }
                    Thread t;
                    try {
                        t = Threads.newThread(config.threadFactory(), "the runner's", name, this);
                    } catch (RuntimeException e) { // no thread: the agent is not taken, the doorbell not kept
                        added.remove(agent);
                        load.decrementAndGet();
                        closeBell();
                        throw e;
                    }
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
            if (handshake.requestVolatile()) {
                EventFd b;
                synchronized (this) {
                    b = bell;
                }
                if (b != null) {
                    try {
                        b.signal();
                    } catch (ErrnoException e) {
                        Log.LOG.log(System.Logger.Level.DEBUG, name + ": waking", e);
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
            try {
                while (true) {
                    takeAdded();
                    if (closed) {
                        break;
                    }
                    if (agents.isEmpty() && stopIfIdle()) {
                        return;
                    }
                    int work = 0;
                    for (int i = 0; i < agents.size(); i++) {
                        work += runOne(agents.get(i));
                    }
                    removeDone();
                    if (work > 0) {
                        idler.reset();
                        if (!parksAtOnce) {
                            continue;
                        }
                        // Parking at once: no second cycle over every agent to find nothing. Arming the sleep checks
                        // each agent for work (a ring is armed, then looked at), so nothing that came meanwhile waits.
                    }
                    if (!handshake.isRequested() && idler.idle()) {
                        sleep();
                        idler.reset();
                    }
                    handshake.clear();
                }
            } catch (Throwable t) {
                Log.LOG.log(System.Logger.Level.ERROR, name + ": the runner thread failed", t);
            }
            // Closed (or failed): every agent is dropped.
            takeAdded();
            for (Agent a : agents) {
                removed(a);
            }
            agents.clear();
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
            waits.release(); // the loop thread's own set, which it no longer uses: this runs as it ends
            if (bell != null) {
                try {
                    bell.close();
                } catch (ErrnoException e) {
                    Log.LOG.log(System.Logger.Level.DEBUG, name + ": closing its doorbell", e);
                }
                bell = null;
            }
        }

        private void takeAdded() {
            Agent a;
            while ((a = added.poll()) != null) {
                agents.add(a);
            }
        }

        private int runOne(Agent a) {
            try {
                return a.doWork();
            } catch (RuntimeException | Error e) {
                Log.LOG.log(System.Logger.Level.ERROR, name + ": an agent failed and is dropped: " + a, e);
                agents.remove(a);
                removed(a);
                return 1;
            }
        }

        private void removeDone() {
            for (int i = agents.size() - 1; i >= 0; i--) {
                Agent a = agents.get(i);
                if (a.isDone()) {
                    agents.remove(i);
                    removed(a);
                }
            }
        }

        private void removed(Agent a) {
            load.decrementAndGet();
            try {
                a.onRemoved();
            } catch (RuntimeException e) {
                Log.LOG.log(System.Logger.Level.WARNING, name + ": an agent failed on removal: " + a, e);
            }
        }

        /** Sleeps until an agent's descriptor, our doorbell, or the check interval; each agent is re-armed after. */
        private void sleep() throws ErrnoException, TransportException {
            waits.clear();
            EventFd b;
            synchronized (this) {
                b = bell;
            }
            int bellIndex = waits.add(b.fd());
            int prepared = 0;
            boolean sleep = true;
            try {
                if (!handshake.parkVolatile()) {
                    sleep = false;
                } else {
                    for (Agent a : agents) {
                        prepared++;
                        if (!a.prepareToSleep(waits)) {
                            sleep = false;
                            break;
                        }
                    }
                }
                if (sleep) {
                    waits.await(WaitStrategy.CHECK_INTERVAL.toNanos());
                }
            } finally {
                handshake.unpark();
                for (int i = 0; i < prepared; i++) {
                    agents.get(i).awoke();
                }
            }
            if (sleep && waits.ready(bellIndex)) {
                b.drain();
            }
        }
    }
}
