package dev.ipc4j.shm;

import dev.ipc4j.os.Threads;
import java.lang.ref.Cleaner;
import java.util.function.Consumer;

/**
 * Reports blocks and leases that were garbage-collected without {@code close()}, with where they were taken (as
 * Netty's leak detector does), and then gives their hold back so the leak does not pin shared memory forever.
 *
 * <p>Tracking costs a stack trace per tracked object, so by default only one in {@link #SAMPLE_EVERY} is tracked
 * ({@link ShmArena.LeakDetection#SAMPLED}); tests use {@link ShmArena.LeakDetection#ALL}.
 */
final class LeakDetector {
    static final int SAMPLE_EVERY = 128;
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.shm.leak");
    }
    private static final Cleaner CLEANER = Cleaner.create(Threads.processWide("ipc4j-leak-detector"));
    /** Tests listen here to see reports without depending on a logging backend. */
    static volatile Consumer<String> listener;

    private LeakDetector() {}

    /** The state the cleaner keeps: everything needed to report and release, and nothing that reaches the tracked object. */
    static final class Track implements Runnable {
        private final ShmArena arena;
        private final int entry;
        private final int life;
        private final String what;
        private final Throwable site;
        volatile boolean closed;

        Track(ShmArena arena, int entry, int life, String what) {
            this.arena = arena;
            this.entry = entry;
            this.life = life;
            this.what = what;
            this.site = new Throwable("allocation site of the leaked " + what);
        }

        @Override
        public void run() {
            if (closed) {
                return;
            }
            String message = "LEAK: a " + what + " of arena " + arena.name() + " (block " + entry + ", generation " + life
                    + ") was garbage-collected without close(); its hold is released now. Taken at:";
            Log.LOG.log(System.Logger.Level.WARNING, message, site);
            Consumer<String> l = listener;
            if (l != null) {
                StringBuilder text = new StringBuilder(message);
                for (StackTraceElement e : site.getStackTrace()) {
                    text.append("\n\tat ").append(e);
                }
                l.accept(text.toString());
            }
            arena.releaseQuietly(entry, life);
        }
    }

    static Cleaner.Cleanable register(Object tracked, Track track) {
        return CLEANER.register(tracked, track);
    }
}
