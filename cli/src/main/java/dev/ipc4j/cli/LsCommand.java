package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipc4j ls}: every ipc4j object on this host, with its owner and whether the owner still runs. */
@Command(name = "ls", description = "List ipc4j objects (shared memory segments, sockets, pid files) with owner pid, alive or dead, size and mode.")
final class LsCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @CommandLine.Mixin
    private PlacesOptions where = new PlacesOptions();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<ShmSweeper.Found> found = ShmSweeper.scan(where.places());
        print(out, found);
        long dead = found.stream().filter(f -> !f.ownerAlive()).count();
        out.printf("%d object%s, %d of dead owners%s%n", found.size(), found.size() == 1 ? "" : "s", dead,
                dead > 0 ? " (ipc4j clean removes them)" : "");
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, List<ShmSweeper.Found> found) {
        if (found.isEmpty()) {
            return;
        }
        out.printf("%-9s %8s %-5s %12s %5s  %s%n", "TYPE", "OWNER", "STATE", "SIZE", "MODE", "NAME");
        for (ShmSweeper.Found f : found) {
            out.printf("%-9s %8s %-5s %12s %5s  %s%n", f.type().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    f.ownerPid() > 0 ? Long.toString(f.ownerPid()) : "?", f.ownerAlive() ? "alive" : "dead",
                    f.size() >= 0 ? Long.toString(f.size()) : "-", f.mode() >= 0 ? String.format("%04o", f.mode()) : "-",
                    f.path() != null ? f.path().toString() : f.name());
        }
    }
}
