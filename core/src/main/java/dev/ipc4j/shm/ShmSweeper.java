package dev.ipc4j.shm;

import dev.ipc4j.os.ProcessIdentity;
import dev.ipc4j.os.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds and removes what dead processes left behind. Every ipc4j object is named {@code ipc4j.APP.PID.REST}, where PID
 * is its creator's, so an object whose creator is gone can be told from a live one's by name alone: /dev/shm
 * segments, Unix sockets (abstract ones are listed but vanish with their process; socket files are removed), and pid
 * files in the run directory.
 *
 * <p>A name carries the pid only: if the pid has meanwhile been reused by another process, the object counts as live
 * and is kept (the safe mistake). Blocks held inside an arena are reclaimed with pid and start time, by
 * {@link ShmArena#reclaimDeadHolders()}, which a running sweeper calls for the arenas it {@linkplain #watch watches}.
 *
 * <p>A server sweeps once at start ({@link #start}) and then periodically until {@link #close()}.
 */
public final class ShmSweeper implements AutoCloseable {
    /** Where the kernel keeps named shared memory. */
    public static final Path SHM_DIRECTORY = Path.of("/dev/shm");
    private static final Path UNIX_SOCKETS = Path.of("/proc/net/unix");
    private static final String PREFIX = "ipc4j.";
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.shm.sweeper");
    }

    /** What an ipc4j object is: shared memory, a socket or a pid file. */
    public enum ObjectType { SEGMENT, SOCKET, PID_FILE }

    /**
     * One ipc4j object.
     *
     * @param path the file, or null for an abstract socket (which has no file)
     * @param ownerPid the creator's pid from the name (or, for a pid file, from its content); -1 if neither says
     * @param size bytes, -1 when not applicable
     * @param mode permission bits, -1 when not applicable
     */
    public record Found(ObjectType type, String name, Path path, long ownerPid, boolean ownerAlive, long size, int mode) {
        /** Dead owner, and a file that can be removed. */
        public boolean removable() {
            return !ownerAlive && path != null;
        }
    }

    /** Where to look: the /dev/shm directory and the run directory of sockets and pid files (which may not exist). */
    public record Places(Path shmDirectory, Path runDirectory) {
        public Places {
            Objects.requireNonNull(shmDirectory, "shmDirectory");
            Objects.requireNonNull(runDirectory, "runDirectory");
        }

        /** /dev/shm and {@link #defaultRunDirectory()}. */
        public static Places standard() {
            return new Places(SHM_DIRECTORY, defaultRunDirectory());
        }
    }

    private final Places places;
    private final List<ShmArena> watched = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer;

    private ShmSweeper(Places places, Duration period) {
        this.places = places;
        this.timer = Executors.newSingleThreadScheduledExecutor(Threads.processWide("ipc4j-sweeper"));
        timer.scheduleWithFixedDelay(this::sweepQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Sweeps now (what it removed is logged), then every {@code period} until closed: for a server at start.
     */
    public static ShmSweeper start(Places places, Duration period) throws IOException {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("period must be positive: " + period);
        }
        for (Found f : sweep(places, false)) {
            Log.LOG.log(System.Logger.Level.INFO, "removed {0} left by dead process {1}", f.path(), Long.toString(f.ownerPid()));
        }
        return new ShmSweeper(places, period);
    }

    /** Also reclaims, at every sweep, the holds of dead processes in {@code arena} (until it closes). */
    public void watch(ShmArena arena) {
        watched.add(arena);
    }

    /**
     * The run directory: {@code $IPC4J_RUN_DIR}, else {@code $XDG_RUNTIME_DIR/ipc4j}, else {@code /tmp/ipc4j-UID} (one
     * per user, so one user's private directory never blocks another's).
     */
    public static Path defaultRunDirectory() {
        String explicit = System.getenv("IPC4J_RUN_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        return runtime != null && !runtime.isBlank() ? Path.of(runtime, "ipc4j") : Path.of("/tmp/ipc4j-" + dev.ipc4j.os.PeerCredentials.self().uid());
    }

    /** Every ipc4j object in {@code places} and every ipc4j Unix socket, sorted by type and name. */
    public static List<Found> scan(Places places) throws IOException {
        List<Found> found = new ArrayList<>();
        for (Path p : list(places.shmDirectory())) {
            String name = p.getFileName().toString();
            if (name.startsWith(PREFIX)) {
                found(ObjectType.SEGMENT, name, p, pidInName(name)).ifPresent(found::add);
            }
        }
        for (Path p : list(places.runDirectory())) {
            String name = p.getFileName().toString();
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            if (name.endsWith(".pid")) {
                OptionalLong pid = pidInName(name);
                found(ObjectType.PID_FILE, name, p, pid.isPresent() ? pid : pidInFile(p)).ifPresent(found::add);
            } else if (name.endsWith(".sock") || isSocket(p)) {
                found(ObjectType.SOCKET, name, p, pidInName(name)).ifPresent(found::add);
            }
        }
        for (String name : abstractSockets()) {
            OptionalLong pid = pidInName(name);
            found.add(new Found(ObjectType.SOCKET, "@" + name, null, pid.orElse(-1), pid.isPresent() && isAlive(pid.getAsLong()), -1, -1));
        }
        found.sort(Comparator.comparing(Found::type).thenComparing(Found::name));
        return found;
    }

    /**
     * Removes every object whose owner is dead and returns them; with {@code dryRun}, removes nothing and returns what
     * it would remove. Objects that vanish meanwhile are skipped.
     */
    public static List<Found> sweep(Places places, boolean dryRun) throws IOException {
        return sweep(places, dryRun, f -> true);
    }

    /** As {@link #sweep(Places, boolean)}, for the objects {@code which} selects (e.g. one app's). */
    public static List<Found> sweep(Places places, boolean dryRun, java.util.function.Predicate<Found> which) throws IOException {
        List<Found> removed = new ArrayList<>();
        for (Found f : scan(places)) {
            if (!f.removable() || !which.test(f)) {
                continue;
            }
            // Look again just before removing: the owner may be a process that started after the scan with that pid.
            if (!dryRun && (f.ownerPid() > 0 && isAlive(f.ownerPid()) || !Files.deleteIfExists(f.path()))) {
                continue;
            }
            removed.add(f);
        }
        return removed;
    }

    private void sweepQuietly() {
        try {
            for (Found f : sweep(places, false)) {
                Log.LOG.log(System.Logger.Level.INFO, "removed {0} left by dead process {1}", f.path(), Long.toString(f.ownerPid()));
            }
            for (ShmArena arena : watched) {
                try {
                    int freed = arena.reclaimDeadHolders();
                    if (freed > 0) {
                        Log.LOG.log(System.Logger.Level.INFO, "reclaimed {0} blocks held by dead processes in {1}", freed, arena.name());
                    }
                } catch (IllegalStateException closed) {
                    watched.remove(arena);
                }
            }
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.WARNING, "sweep failed; trying again next period", e);
        }
    }

    /** Stops sweeping; idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.Optional<Found> found(ObjectType type, String name, Path path, OptionalLong pid) throws IOException {
        try {
            PosixFileAttributes a = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long owner = pid.orElse(-1);
            return java.util.Optional.of(new Found(type, name, path, owner, owner > 0 && isAlive(owner),
                    type == ObjectType.SOCKET ? -1 : a.size(), mode(a.permissions())));
        } catch (NoSuchFileException goneMeanwhile) {
            return java.util.Optional.empty();
        }
    }

    private static boolean isSocket(Path p) {
        try {
            return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        } catch (IOException goneMeanwhile) {
            return false;
        }
    }

    private static boolean isAlive(long pid) {
        return ProcessIdentity.of(pid).isPresent();
    }

    /** The PID of {@code ipc4j.APP.PID...}, if the name has one. */
    static OptionalLong pidInName(String name) {
        String[] parts = name.split("\\.", 4);
        if (parts.length < 3 || parts[2].isEmpty() || parts[2].length() > 7 || !parts[2].chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        long pid = Long.parseLong(parts[2]);
        return pid > 0 ? OptionalLong.of(pid) : OptionalLong.empty();
    }

    private static OptionalLong pidInFile(Path pidFile) {
        try {
            String text = Files.readString(pidFile).trim();
            return text.length() <= 7 && !text.isEmpty() && text.chars().allMatch(Character::isDigit)
                    ? OptionalLong.of(Long.parseLong(text)) : OptionalLong.empty();
        } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }

    private static List<String> abstractSockets() throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isReadable(UNIX_SOCKETS)) {
            return names;
        }
        for (String line : Files.readAllLines(UNIX_SOCKETS)) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 8 && fields[7].startsWith("@" + PREFIX) && !names.contains(fields[7].substring(1))) {
                names.add(fields[7].substring(1));
            }
        }
        return names;
    }

    private static List<Path> list(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.toList();
        }
    }

    private static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission p : permissions) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }
}
