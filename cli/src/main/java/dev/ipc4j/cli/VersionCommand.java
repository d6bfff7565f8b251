package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.Ipc4j;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipc4j version}: versions of ipc4j, the JDK and the kernel, and a live self-check of the kernel facilities. */
@Command(name = "version", description = "Print versions and run a live self-check of memfd, futex, Unix sockets and pidfd.")
final class VersionCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (String line : new Provider().getVersion()) {
            out.println(line);
        }
        out.println("self-check:");
        List<Ipc4j.Check> checks = Ipc4j.selfCheck();
        int width = checks.stream().mapToInt(c -> c.name().length()).max().orElse(0);
        for (Ipc4j.Check check : checks) {
            out.printf("  %-" + width + "s  %s%n", check.name(), check.ok() ? "ok" : "FAILED: " + check.error());
        }
        out.flush();
        return checks.stream().allMatch(Ipc4j.Check::ok) ? 0 : 1;
    }

    /** The lines of {@code ipc4j --version} (and the head of {@code ipc4j version}). */
    static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Runtime.Version jdk = Runtime.version();
            return new String[] {
                "ipc4j  " + Ipc4j.version(),
                "JDK    " + jdk + " (" + System.getProperty("java.vendor") + ") at " + System.getProperty("java.home"),
                "kernel " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch")
            };
        }
    }
}
