package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code --pin}: the parent's threads on one CPU and the child on another, with {@code taskset}, so two busy-spinners
 * never share a vCPU. The parent pins itself (all threads, {@code taskset -a -p}); the child is started under
 * {@code taskset -c}, so all its threads inherit the CPU.
 */
public record Pinning(int parentCpu, int childCpu) {

    /** Picks the first two CPUs this process may use and pins the current process to the first. */
    public static Pinning pinSelf() throws IOException, InterruptedException {
        String taskset = taskset();
        List<Integer> cpus = CpuList.parse(Placement.cpusAllowed(ProcessHandle.current().pid()));
        if (cpus.size() < 2) {
            throw new IOException("--pin needs two CPUs, this process may use only " + cpus);
        }
        Pinning pinning = new Pinning(cpus.get(0), cpus.get(1));
        Process p = new ProcessBuilder(taskset, "-a", "-p", "-c", Integer.toString(pinning.parentCpu()),
                Long.toString(ProcessHandle.current().pid())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("taskset could not pin this process: " + out.trim());
        }
        return pinning;
    }

    /** The words that start the child on its CPU. */
    public List<String> childPrefix() throws IOException {
        return List.of(taskset(), "-c", Integer.toString(childCpu));
    }

    private static String taskset() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path candidate = Path.of(dir, "taskset");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IOException("--pin needs taskset (util-linux), which is not on the PATH");
    }
}
