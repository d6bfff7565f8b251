package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a demo run does around its client, for both stacks: a work directory, the server JVM started in it, a watchdog
 * that kills the server when the run overstays {@code --timeout} (which wakes every wait of the client: the peer is
 * gone, the socket reaches end of file), and afterwards the server reaped or killed, whatever shared memory a killed
 * server left removed, the work directory deleted.
 */
final class ServerChild {
    /** The client side of a run, against a server that said {@code READY <rest>}; returns what it measured. */
    @FunctionalInterface
    interface Client<T> {
        T run(String ready, Path workDir, long deadline) throws Exception;
    }

    private ServerChild() {}

    /**
     * Starts {@code main} with {@code args(workDir)}, waits for its READY line, runs {@code client}, then expects the
     * server to say DONE and exit by itself (the client ended the session or channel).
     */
    static <T> T run(DemoOptions options, Class<?> main, Function<Path, List<String>> args, Client<T> client) throws Exception {
        return run(options, List.of(), main, args, client);
    }

    /** {@link #run(DemoOptions, Class, Function, Client)} with {@code flags} added to the server JVM's. */
    static <T> T run(DemoOptions options, List<String> flags, Class<?> main, Function<Path, List<String>> args, Client<T> client)
            throws Exception {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        Path workDir = Files.createTempDirectory("ipc4j-demo-");
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("demo-watchdog").unstarted(r));
        AtomicBoolean timedOut = new AtomicBoolean();
        long serverPid = -1;
        try (ChildJvm server = ChildJvm.start(List.of(), flags(options), flags, main, args.apply(workDir),
                workDir.resolve("server.stderr"))) {
            serverPid = server.pid();
            watchdog.schedule(() -> {
                timedOut.set(true);
                server.process().destroyForcibly();
            }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                String ready = server.expect("READY", deadline);
                T results = client.run(ready, workDir, deadline);
                server.expect("DONE", deadline);
                server.awaitExit(deadline);
                return results;
            } catch (Exception e) {
                // The client closed its side by now, so a healthy server ends by itself and removes its shared memory:
                // give it a moment before the ChildJvm's close kills it. Its stderr often says what went wrong.
                server.process().waitFor(10, TimeUnit.SECONDS);
                String tail = server.stderrTail();
                if (!tail.isEmpty()) {
                    e.addSuppressed(new IOException("server side:" + tail));
                }
                if (timedOut.get()) {
                    // What broke here is only the consequence (a socket closed, the peer gone): say the cause.
                    TimeoutException timeout = new TimeoutException("the run took longer than --timeout " + options.timeout().toSeconds()
                            + " s, so the server was killed (" + e.getMessage() + ")");
                    timeout.initCause(e);
                    throw timeout;
                }
                throw e;
            }
        } finally {
            watchdog.shutdownNow();
            if (serverPid != -1) {
                removeLeftovers(serverPid);
            }
            FileTrees.delete(workDir);
        }
    }

    /**
     * The flags of this JVM a demo's child JVM gets: all of them, but for {@code --cold} neither the launcher's
     * pre-touch of the whole heap, which steadies the warmed figures and would only lengthen a fresh JVM's start (a
     * service that wants to start fast does not pre-touch either), nor {@code --illegal-native-access=deny}: on JDK 25
     * that option turns off the ahead-of-time cache's module handling and with it its class linking (lambdas, method
     * handles and constant pools resolved ahead of time), the better half of what the cache saves. Native access stays
     * granted to dev.ipc4j alone; code elsewhere that uses it gets the JDK's default warning instead of an error.
     */
    static Predicate<String> flags(DemoOptions options) {
        return options.cold() ? flag -> !flag.equals("-XX:+AlwaysPreTouch") && !flag.startsWith("--illegal-native-access") : flag -> true;
    }

    /**
     * A server that was killed (timeout, or a failure it did not survive) could not remove its shared memory; the
     * objects are named after its pid, so remove exactly those, now that it is dead. A clean run leaves nothing to find.
     */
    private static void removeLeftovers(long serverPid) throws IOException {
        for (ShmSweeper.Found f : ShmSweeper.scan(ShmSweeper.Places.standard())) {
            if (f.ownerPid() == serverPid && f.removable()) {
                Files.deleteIfExists(f.path());
            }
        }
    }
}
