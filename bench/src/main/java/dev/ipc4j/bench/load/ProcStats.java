package dev.ipc4j.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * What a process holds, read from {@code /proc/PID/status} ({@code Threads}, {@code VmRSS}) and {@code /proc/PID/fd}
 * (one entry per open descriptor).
 *
 * @param threads live threads of the process (all of them, JVM threads included)
 * @param rssKib resident set size in KiB (heap, code, and the shared memory it has touched)
 * @param fds open file descriptors
 */
record ProcStats(int threads, long rssKib, int fds) {
    static ProcStats of(long pid) throws IOException {
        Path proc = Path.of("/proc", Long.toString(pid));
        int threads = -1;
        long rss = -1;
        for (String line : Files.readAllLines(proc.resolve("status"))) {
            if (line.startsWith("Threads:")) {
                threads = Integer.parseInt(line.substring("Threads:".length()).trim());
            } else if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").trim());
            }
        }
        if (threads < 0 || rss < 0) {
            throw new IOException("no Threads or VmRSS in " + proc.resolve("status"));
        }
        int fds;
        try (Stream<Path> entries = Files.list(proc.resolve("fd"))) {
            fds = (int) entries.count();
        }
        return new ProcStats(threads, rss, fds);
    }

    /** The larger of each figure. */
    ProcStats max(ProcStats other) {
        return other == null ? this
                : new ProcStats(Math.max(threads, other.threads), Math.max(rssKib, other.rssKib), Math.max(fds, other.fds));
    }

    String json() {
        return "{\"threads\":" + threads + ",\"rss_kib\":" + rssKib + ",\"fds\":" + fds + "}";
    }
}
