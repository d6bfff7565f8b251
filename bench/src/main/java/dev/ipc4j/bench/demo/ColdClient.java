package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.WaitMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The client JVM of one fresh pair of {@code demo --cold} ({@link ColdDemo}): logs in to the server in the work
 * directory, has it build one response (not timed), times the pair's first round trip in one mode, verifies it after
 * the clock, and prints {@code FIRST RTT MAIN LOGGED_IN}: the round trip, then the time from the parent starting this
 * JVM to {@code main} and to the log-in done (session and both channels open), all in nanoseconds. Mode {@code ALL}
 * (a training run for the ahead-of-time cache) does both modes, the copied one after the zero-copy one.
 *
 * <p>Args: the parent's {@code System.nanoTime()} just before it started this JVM (CLOCK_MONOTONIC on Linux: one clock
 * for every process of the host), the work directory, the payload size, the mode ({@link DemoMode} name), the wait
 * mode and the timeout in seconds.
 */
public final class ColdClient {
    private ColdClient() {}

    public static void main(String[] args) throws Exception {
        long main = System.nanoTime();
        long started = Long.parseLong(args[0]);
        Path workDir = Path.of(args[1]);
        long size = Long.parseLong(args[2]);
        List<DemoMode> modes = args[3].equals("ALL") ? List.of(DemoMode.values()) : List.of(DemoMode.valueOf(args[3]));
        DemoOptions options = new DemoOptions(List.of(size), 1, 0, WaitMode.parse(args[4]), false, null, DemoStack.MESSAGE,
                ZeroCopyModes.DEFAULT, Duration.ofSeconds(Long.parseLong(args[5])), -1, true, 1);
        long deadline = main + options.timeout().toNanos();
        long[] loggedIn = {0};
        DemoResult first = MessageDemoRun.connected(options, new Progress(System.err, false, 1), workDir, deadline, client -> {
            loggedIn[0] = System.nanoTime();
            DemoResult result = null;
            for (DemoMode mode : modes) {
                DemoResult r = client.measure(size, mode);
                result = result == null ? r : result;
            }
            return result;
        });
        System.out.println("FIRST " + first.rtt().p50() + " " + (main - started) + " " + (loggedIn[0] - started));
    }
}
