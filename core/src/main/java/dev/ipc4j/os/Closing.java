package dev.ipc4j.os;

import java.lang.System.Logger.Level;
import java.util.function.Consumer;

/**
 * Closing what is being given up, where a failure to close has nowhere better to go: the one close-quietly helper of
 * the library (in {@code os}, the layer every other depends on). Every method takes null, closes each thing exactly
 * once, and never throws; an interrupt seen while closing is kept on the thread.
 */
public final class Closing {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j");
    }

    private Closing() {}

    /** Closes {@code c}; a failure is logged at DEBUG (a descriptor or mapping being let go: nothing more to release). */
    public static void quietly(AutoCloseable c) {
        quietly(c, Level.DEBUG);
    }

    /** Closes {@code c}; a failure is logged at {@code level} (WARNING where it may leave something behind). */
    public static void quietly(AutoCloseable c, Level level) {
        close(c, e -> Log.LOG.log(level, "closing " + c, e));
    }

    /** Closes {@code c} while failing with {@code cause}: a failure to close is added to it, suppressed. */
    public static void quietly(AutoCloseable c, Throwable cause) {
        close(c, cause::addSuppressed);
    }

    /** {@link #quietly(AutoCloseable)} for each of {@code all}, in order. */
    public static void all(Iterable<? extends AutoCloseable> all) {
        if (all != null) {
            for (AutoCloseable c : all) {
                quietly(c);
            }
        }
    }

    /** {@link #quietly(AutoCloseable)} for each of {@code all}, in order. */
    public static void all(AutoCloseable... all) {
        if (all != null) {
            for (AutoCloseable c : all) {
                quietly(c);
            }
        }
    }

    private static void close(AutoCloseable c, Consumer<Exception> failed) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failed.accept(e);
        }
    }
}
