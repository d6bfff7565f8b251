package dev.ipc4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Properties;

/** Facts about this ipc4j and the machine it runs on. */
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
