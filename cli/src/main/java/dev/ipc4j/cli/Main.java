package dev.ipc4j.cli;

import dev.ipc4j.bench.demo.DemoCommand;
import dev.ipc4j.bench.harness.CommandLines;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code ipc4j} command; the {@code ./ipc4j} launcher builds and starts it. Every command, the tools
 * (demo, bench, jmh, example) as much as ls and clean, is a command of this one tree, so they share one parser, one
 * help format and one error format ({@link CommandLines}: a bad invocation prints one line naming what was wrong and
 * exits 2).
 */
@Command(
        name = "ipc4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Zero-copy inter-process communication for Java on Linux.",
        footer = {"%nEvery command takes --help. Exit codes: 0 done, 1 failed, 2 bad invocation."},
        subcommands = {DemoCommand.class, BenchCommand.class, JmhCommand.class, ExampleCommand.class, StatCommand.class, InspectCommand.class, GatewayCommand.class, LsCommand.class,
                CleanCommand.class, VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, for tests and embedding. */
    public static CommandLine commandLine() {
        CommandLine cl = CommandLines.configure(new CommandLine(new Main()));
        // The command list shows the second level too (bench small, example cache, ...): every command in one screen.
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static String commandList(CommandLine.Help help) {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, CommandLine> e : help.commandSpec().commandLine().getSubcommands().entrySet()) {
            line(out, e.getKey(), e.getValue());
            for (Map.Entry<String, CommandLine> sub : e.getValue().getSubcommands().entrySet()) {
                line(out, e.getKey() + " " + sub.getKey(), sub.getValue());
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String name, CommandLine command) {
        CommandLine.Model.UsageMessageSpec usage = command.getCommandSpec().usageMessage();
        String[] text = usage.header().length > 0 ? usage.header() : usage.description();
        out.append(String.format("  %-22s %s%n", name, text.length > 0 ? text[0] : ""));
    }
}
