package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;

/** What every benchmark child JVM does: talk to its parent in lines, and never outlive it. */
public final class ChildSide {
    private ChildSide() {}

    /** One line to the parent, flushed at once (the parent waits for it). */
    public static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Halts this JVM when the parent goes away (stdin EOF) or the run overstays {@code timeout}, whatever else happens. */
    public static void haltWithParent(Duration timeout) {
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the parent sends nothing; any byte is ignored
                }
            } catch (IOException e) {
                // treated as the parent being gone
            }
            Runtime.getRuntime().halt(97);
        });
        haltAfter(timeout);
    }

    /**
     * Halts this JVM when the run overstays {@code timeout} (plus 10 s of grace), whatever else happens: for a child
     * whose stdin carries commands, so that end of input cannot be its parent-watch.
     */
    public static void haltAfter(Duration timeout) {
        Thread.ofPlatform().daemon().name("lifetime").start(() -> {
            try {
                Thread.sleep(timeout.plusSeconds(10));
            } catch (InterruptedException e) {
                return;
            }
            Runtime.getRuntime().halt(98);
        });
    }
}
