package dev.ipc4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ipc4j} command; the {@code ./ipc4j} launcher builds and starts it. */
@Command(
        name = "ipc4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Zero-copy inter-process communication for Java on Linux.",
        // These run from the bench module's jar, started by the ./ipc4j launcher itself; listed so --help shows them.
        footer = {"%nThe ./ipc4j launcher also runs (each takes --help):",
                "  demo            the main job: zero-copy vs copied round trips, 100 KiB..1 GiB",
                "  bench small     64-byte round trips: ipc4j pipes vs Unix socket, TCP, Aeron",
                "  bench messages  64 B and 1 GiB round trips: MessageChannel vs the bare ring",
                "  bench load      a server process and 16 clients: mixed requests, req/s, p99",
                "  jmh             the JMH hot-path benchmarks",
                "  example NAME    examples: cache (server + client), cache-server, cache-client"},
        subcommands = {VersionCommand.class, LsCommand.class, CleanCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, for tests and embedding. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
