package dev.ipc4j.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;

/** A thread factory (daemon platform threads) that keeps every thread it made, for tests of who makes the threads. */
public final class RecordingThreadFactory implements ThreadFactory {
    private final List<Thread> made = new CopyOnWriteArrayList<>();

    @Override
    public Thread newThread(Runnable task) {
        Thread t = Thread.ofPlatform().daemon().unstarted(task);
        made.add(t);
        return t;
    }

    /** Every thread made so far, in order. */
    public List<Thread> made() {
        return List.copyOf(made);
    }

    /** The names of the threads made so far (the library names each after the factory made it). */
    public List<String> names() {
        return made.stream().map(Thread::getName).toList();
    }
}
