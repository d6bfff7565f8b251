package dev.ipc4j.os;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/** Threads the library starts, made by the application's {@link ThreadFactory} (the brief: threads belong to the user). */
public final class Threads {
    /** The default of every thread factory a config takes: daemon platform threads (named by the library). */
    public static final ThreadFactory DAEMON = r -> Thread.ofPlatform().daemon().unstarted(r);

    /** The factory of the process-wide threads ({@link #processWide}); guarded by the class. */
    private static ThreadFactory processFactory = DAEMON;
    /** A process-wide thread was asked for: the factory is fixed from then on. Guarded by the class. */
    private static boolean processFactoryTaken;

    private Threads() {}

    /**
     * Makes ipc4j's process-wide threads with {@code factory} from now on (see {@code Ipc4j.useThreadFactory}).
     *
     * @throws IllegalStateException once one of them was asked for: the factory is fixed then
     */
    public static synchronized void useProcessFactory(ThreadFactory factory) {
        Objects.requireNonNull(factory, "factory");
        if (processFactoryTaken) {
            throw new IllegalStateException("ipc4j has made its process-wide threads already (the keep-alive timer, the"
                    + " session task pool, the shared runner, a sweeper or the leak detector): give the thread factory"
                    + " before the first session, server, runner, sweeper or arena");
        }
        processFactory = factory;
    }

    /**
     * The factory of ipc4j's process-wide threads (the application's, given by {@link #useProcessFactory}, else
     * {@link #DAEMON}), fixed from this call on; what it makes is made a daemon, as these threads live as long as the
     * process and must not keep it from exiting.
     */
    public static synchronized ThreadFactory processFactory() {
        processFactoryTaken = true;
        ThreadFactory factory = processFactory;
        return r -> {
            Thread t = factory.newThread(r);
            if (t != null) {
                t.setDaemon(true);
            }
            return t;
        };
    }

    /** A factory of process-wide threads all named {@code name}, from {@link #processFactory()}. */
    public static ThreadFactory processWide(String name) {
        ThreadFactory factory = processFactory();
        return r -> newThread(factory, "ipc4j's process-wide", name, r);
    }

    /**
     * A thread from {@code factory} for {@code task}, unstarted, named {@code name} (the library names its threads so
     * they can be told apart in a dump, whatever the factory called them).
     *
     * @param owner what the factory belongs to, for the error ("the server's", "the pipe's")
     * @throws IllegalStateException when the factory makes no thread
     */
    public static Thread newThread(ThreadFactory factory, String owner, String name, Runnable task) {
        Thread t = factory.newThread(task);
        if (t == null) {
            throw new IllegalStateException(owner + " thread factory made no thread for " + name);
        }
        t.setName(name);
        return t;
    }
}
