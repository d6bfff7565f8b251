package dev.ipc4j.internal;

import dev.ipc4j.os.Fd;
import dev.ipc4j.shm.ShmArena;
import java.io.IOException;
import java.util.Objects;

/**
 * The session layer's way to share an arena by descriptors (sealed memfds passed over its socket) without making
 * descriptors, an internal type, part of the public API: {@link ShmArena} registers its bridge here when it is
 * initialized, and {@code dev.ipc4j.session} calls the static methods. Only this module can reach it, because this
 * package is not exported.
 */
public final class ArenaAccess {
    /** Where an attached arena's data segments come from: the memfd of segment {@code id}, asked for on first use. */
    @FunctionalInterface
    public interface SegmentSource {
        /**
         * The descriptor of incarnation {@code generation} of data segment {@code id} (a released huge segment's slot is
         * used again), which the caller takes over (and checks: a memfd whose size is sealed, as large as the arena's
         * table says).
         *
         * @throws IOException when this process was never given that segment
         */
        Fd segment(int id, int generation) throws IOException;
    }

    /** What {@link ShmArena} lends this package. */
    public interface Bridge {
        ShmArena attach(String name, Fd control, SegmentSource source, ShmArena.LeakDetection leakDetection) throws IOException;

        Fd control(ShmArena arena);

        Fd segment(ShmArena arena, int id);

        int generation(ShmArena arena, int id);

        int closeReleased(ShmArena arena);
    }

    private static volatile Bridge bridge;

    private ArenaAccess() {}

    /** Called once, by {@link ShmArena}'s static initializer. */
    public static void set(Bridge b) {
        bridge = Objects.requireNonNull(b);
    }

    /**
     * Attaches to an arena shared by descriptors: {@code control} is its control object's memfd (taken over: closed
     * once mapped, or on failure), the data segments come from {@code source} as handles first name them.
     */
    public static ShmArena attach(String name, Fd control, SegmentSource source, ShmArena.LeakDetection leakDetection)
            throws IOException {
        return bridge().attach(name, control, source, leakDetection);
    }

    /** The memfd of an arena this process created to be shared by descriptors (owned by the arena: do not close). */
    public static Fd control(ShmArena arena) {
        return bridge().control(arena);
    }

    /**
     * The memfd of data segment {@code id} of an arena this process created to be shared by descriptors (owned by the
     * arena: do not close), or null when there is no such segment or it was released.
     */
    public static Fd segment(ShmArena arena, int id) {
        return bridge().segment(arena, id);
    }

    /** Which incarnation of segment slot {@code id} the arena's table describes now. */
    public static int generation(ShmArena arena, int id) {
        return bridge().generation(arena, id);
    }

    /** Closes this process's descriptors of the arena's released segments; returns how many. */
    public static int closeReleased(ShmArena arena) {
        return bridge().closeReleased(arena);
    }

    private static Bridge bridge() {
        Bridge b = bridge;
        if (b == null) {
            try {
                Class.forName(ShmArena.class.getName(), true, ShmArena.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new AssertionError(impossible);
            }
            b = bridge;
        }
        return b;
    }
}
