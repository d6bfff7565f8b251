package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j clean}: removes what dead processes left behind; live owners' objects are never touched. */
@Command(name = "clean", description = "Remove ipc4j objects whose owner process is dead.")
final class CleanCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @CommandLine.Mixin
    private PlacesOptions where = new PlacesOptions();

    @Option(names = {"-n", "--dry-run"}, description = "Show what would be removed, remove nothing.")
    private boolean dryRun;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<ShmSweeper.Found> removed = ShmSweeper.sweep(where.places(), dryRun);
        for (ShmSweeper.Found f : removed) {
            out.printf("%s %s (owner %d, dead)%n", dryRun ? "would remove" : "removed", f.path(), f.ownerPid());
        }
        out.printf("%s %d object%s%n", dryRun ? "would remove" : "removed", removed.size(), removed.size() == 1 ? "" : "s");
        out.flush();
        return 0;
    }
}
