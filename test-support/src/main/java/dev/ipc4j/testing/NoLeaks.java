package dev.ipc4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test that leaves kernel objects behind: descriptors of the kinds ipc4j opens (memfd, socket, pidfd, pipe,
 * /dev/shm file), compared through /proc/self/fd before and after, and ipc4j objects in /dev/shm.
 */
public final class NoLeaks implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoLeaks.class);
    private static final java.time.Duration SETTLE = java.time.Duration.ofSeconds(5);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("fds", descriptors());
        context.getStore(NS).put("shm", shmObjects());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Set<String> fdsBefore = (Set<String>) context.getStore(NS).get("fds");
        @SuppressWarnings("unchecked")
        Set<String> shmBefore = (Set<String>) context.getStore(NS).get("shm");
        // Runner threads leave (closing their doorbell) on their next cycle after their last agent is dropped, and
        // the shared set-up threads after two idle seconds: give what is being released a bounded time.
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            Set<String> fds = descriptors();
            fds.removeAll(fdsBefore);
            Set<String> shm = shmObjects();
            shm.removeAll(shmBefore);
            if (fds.isEmpty() && shm.isEmpty()) {
                return;
            }
            if (System.nanoTime() - deadline >= 0) {
                fail("leaked descriptors " + fds + ", left in /dev/shm " + shm + "\nthreads now:\n" + threadDump());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** How many descriptors this process has open now. */
    public static long descriptorCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** How many live threads of this process have names starting with {@code prefix}. */
    public static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && t.getName().startsWith(prefix)).count();
    }

    /** Where every live thread is, for a failure message: a release that never finished shows where it waits. */
    private static String threadDump() {
        StringBuilder b = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            b.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (int i = 0; i < Math.min(stack.length, 25); i++) {
                b.append("    at ").append(stack[i]).append('\n');
            }
        });
        return b.toString();
    }

    /** "fd -> target" for every open descriptor of a kind ipc4j opens. */
    public static Set<String> descriptors() {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:") || target.startsWith("/memfd:") || target.contains("pidfd")
                            || target.startsWith("pipe:") || target.startsWith("/dev/shm/") || target.contains("eventfd")) {
                        out.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor that listed the directory, or one closed while we looked
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Names in /dev/shm that ipc4j would have created. */
    public static Set<String> shmObjects() {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            Set<String> out = new TreeSet<>();
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ipc4j")).forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
