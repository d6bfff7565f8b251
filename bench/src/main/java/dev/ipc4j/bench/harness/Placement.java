package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the two processes of a run were allowed to run ({@code Cpus_allowed_list} of /proc/PID/status, read while both
 * were alive). Every result carries it: two busy-spinners sharing one vCPU collapse from microseconds to milliseconds,
 * so a figure without its placement cannot be interpreted.
 */
public record Placement(long parentPid, String parentCpus, long childPid, String childCpus, boolean pinned) {

    /** The CPU list a process may run on, e.g. {@code 0-1}; {@code ?} when it cannot be read. */
    public static String cpusAllowed(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("Cpus_allowed_list:")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException gone) {
            // the process ended or /proc is not there; say so instead of failing the run
        }
        return "?";
    }

    /** True when the two processes cannot run on one CPU at the same time, as far as affinity goes. */
    public boolean disjoint() {
        try {
            return CpuList.parse(parentCpus).stream().noneMatch(CpuList.parse(childCpus)::contains);
        } catch (IllegalArgumentException unreadable) {
            return false;
        }
    }

    public String describe() {
        return "parent pid " + parentPid + " on cpus " + parentCpus + ", child pid " + childPid + " on cpus " + childCpus
                + (pinned ? " (pinned with taskset)" : " (not pinned: the scheduler decides)");
    }
}
