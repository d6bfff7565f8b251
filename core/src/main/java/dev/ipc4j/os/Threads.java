package dev.ipc4j.os;

import java.util.concurrent.ThreadFactory;

/** Threads the library starts, made by the application's {@link ThreadFactory} (the brief: threads belong to the user). */
public final class Threads {
    /** The default of every thread factory a config takes: daemon platform threads (named by the library). */
    public static final ThreadFactory DAEMON = r -> Thread.ofPlatform().daemon().unstarted(r);

    private Threads() {}

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
