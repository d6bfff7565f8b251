package dev.ipc4j.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process as it was when observed: its pid and its start time (field 22 of {@code /proc/PID/stat}, clock ticks since
 * boot). A reused pid gets a later start time, so comparing both tells "still the same process" from "a stranger that
 * was given the same number".
 *
 * <p>{@link #pack()} fits both in one 64-bit word (start time in bits 62..22, pid in bits 21..0) so an identity can be
 * claimed or cleared in SHM with a single compare-and-set; 0 never names a process.
 */
public record ProcessIdentity(long pid, long startTime) {
    /** Linux caps pid_max at 2^22. */
    public static final int PID_BITS = 22;
    private static final long PID_MASK = (1L << PID_BITS) - 1;
    private static final long MAX_START_TIME = (1L << (63 - PID_BITS)) - 1;
    private static final int START_TIME_FIELD = 22;
    private static final ProcessIdentity SELF = of(ProcessHandle.current().pid())
            .orElseThrow(() -> new IllegalStateException("cannot read /proc/self/stat"));

    public ProcessIdentity {
        if (pid <= 0 || pid > PID_MASK || startTime < 0 || startTime > MAX_START_TIME) {
            throw new IllegalArgumentException("pid " + pid + ", start time " + startTime);
        }
    }

    /** This process. */
    public static ProcessIdentity self() {
        return SELF;
    }

    /** The process that has {@code pid} now, if any. */
    public static Optional<ProcessIdentity> of(long pid) {
        if (pid <= 0 || pid > PID_MASK) {
            return Optional.empty();
        }
        long start = startTimeOf(pid);
        return start < 0 ? Optional.empty() : Optional.of(new ProcessIdentity(pid, start));
    }

    /** Whether this very process (not merely its pid) still runs; a zombie counts as gone. */
    public boolean isAlive() {
        return startTimeOf(pid) == startTime;
    }

    public long pack() {
        return startTime << PID_BITS | pid;
    }

    /** The identity packed in {@code word}, or empty for 0 or a word that packs none (memory from a peer is data). */
    public static Optional<ProcessIdentity> unpack(long word) {
        long pid = word & PID_MASK;
        long start = word >>> PID_BITS;
        if (word <= 0 || pid == 0 || start > MAX_START_TIME) {
            return Optional.empty();
        }
        return Optional.of(new ProcessIdentity(pid, start));
    }

    /** Whether the word names a live process; false for words that name none. */
    public static boolean isAlive(long packed) {
        return unpack(packed).map(ProcessIdentity::isAlive).orElse(false);
    }

    /** Field 22 of /proc/PID/stat, or -1 when there is no such process or it is a zombie. */
    private static long startTimeOf(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (IOException noSuchProcess) {
            return -1;
        }
        // The command name (field 2) may hold spaces and parentheses: fields after it start past the last ')'.
        int end = stat.lastIndexOf(')');
        if (end < 0) {
            return -1;
        }
        String[] fields = stat.substring(end + 2).split(" ");
        // fields[0] is field 3 (state); a zombie has exited and holds nothing any more.
        if (fields.length < START_TIME_FIELD - 2 || fields[0].equals("Z") || fields[0].equals("X")) {
            return -1;
        }
        try {
            return Long.parseLong(fields[START_TIME_FIELD - 3]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
