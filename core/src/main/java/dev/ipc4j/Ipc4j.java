package dev.ipc4j;

import dev.ipc4j.os.Threads;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadFactory;

/** Facts about this ipc4j and the machine it runs on, and what it does for the whole process. */
public final class Ipc4j {
    private Ipc4j() {}

    /** The library version, e.g. {@code "0.1.0"}. */
    public static String version() {
        try (InputStream in = Ipc4j.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Makes ipc4j's process-wide threads with {@code factory}: the keep-alive timer, the session task pool (channel
     * set-ups, {@code onChannel} handlers, graceful ends), the shared runner ({@code Runner.shared()}, for sessions and channels given no runner of
     * their own), a shared-memory sweeper's timer and the leak detector. The threads of what takes a factory in its own
     * configuration (a {@code Runner}, a {@code SessionServer}, a {@code SocketPipe}) come from that one instead.
     * ipc4j names these threads and makes them daemons (they live as long as the process). Call it once, at start-up,
     * before any session, server, runner, sweeper or arena; thread-safe.
     *
     * @throws IllegalStateException when one of these threads was asked for already (the factory is fixed then)
     */
    public static void useThreadFactory(ThreadFactory factory) {
        Threads.useProcessFactory(factory);
    }

    /** One line of {@link #selfCheck()}: a kernel facility, and the error it gave if it did not work. */
    public record Check(String name, String error) {
        /** Whether the facility worked. */
        public boolean ok() {
            return error == null;
        }
    }

    /**
     * Exercises, for real, every kernel facility ipc4j relies on (memfd with seals and mmap, /dev/shm objects with
     * exact modes, futex, Unix sockets passing descriptors, peer credentials, pidfd), and reports each. Takes a few
     * milliseconds and leaves nothing behind.
     */
    public static List<Check> selfCheck() {
        return SelfCheck.run();
    }
}
