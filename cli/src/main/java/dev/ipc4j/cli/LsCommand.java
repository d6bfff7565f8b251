package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.counters.ArenaField;
import dev.ipc4j.counters.CountersReader;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipc4j ls}: every ipc4j object on this host, with its owner and whether the owner still runs. */
@Command(name = "ls", description = "List ipc4j objects (shared memory segments, sockets, pid files) with owner pid, alive or dead, size and mode,"
        + " and what runs live per process (sessions, channels, arena use).")
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
        live(out);
        out.flush();
        return 0;
    }

    /** What runs now, per process with a counters file: its sessions, channels and arena use (ipc4j stat has it all). */
    static void live(PrintWriter out) throws IOException {
        List<CountersReader.Snapshot> running = new ArrayList<>();
        for (CountersReader.Source s : CountersReader.find(Optional.empty())) {
            try {
                running.add(CountersReader.read(s));
            } catch (IOException gone) {
                // it ended while we looked
            }
        }
        if (running.isEmpty()) {
            out.println("nothing live (no process has a server or session open)");
            return;
        }
        out.printf("%nLIVE     %8s %8s %8s %12s %12s  %s%n", "PID", "SESSIONS", "CHANNELS", "ARENA-HELD", "HIGH-WATER", "APP");
        for (CountersReader.Snapshot s : running) {
            long sessions = 0;
            long channels = 0;
            long held = 0;
            long highWater = 0;
            boolean server = false;
            for (CountersReader.Entry e : s.records()) {
                switch (e.type()) {
                    case SERVER -> server = true;
                    case SESSION -> sessions++;
                    case CHANNEL -> channels++;
                    case ARENA -> {
                        held += e.value(ArenaField.BYTES_HELD);
                        highWater += e.value(ArenaField.BYTES_HELD_HIGH_WATER);
                    }
                }
            }
            out.printf("%-8s %8d %8d %8d %12d %12d  %s%n", server ? "server" : "client", s.source().pid(), sessions, channels,
                    held, highWater, s.source().app());
        }
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
