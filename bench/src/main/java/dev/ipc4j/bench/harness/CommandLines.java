package dev.ipc4j.bench.harness;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The conventions every {@code ipc4j} command shares, set once on the tree that runs it: a bad invocation prints one
 * line naming what was wrong and where to find help, and exits 2; a command that fails prints one line and exits 1.
 * The cli module's {@code Main} and the tools run on their own (tests) both go through {@link #configure}.
 */
public final class CommandLines {
    /** Exit code of a bad invocation (unknown word, bad value, missing value). */
    public static final int USAGE = 2;
    /** Exit code of a command that ran and failed. */
    public static final int FAILED = 1;

    private CommandLines() {}

    /** Sets this project's error handling on {@code cl} (and so on every subcommand run through it); returns it. */
    public static CommandLine configure(CommandLine cl) {
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setUsageHelpWidth(120);
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine bad = e.getCommandLine();
            PrintWriter err = bad.getErr();
            err.println(qualifiedName(bad) + ": " + message(e) + " (" + qualifiedName(bad) + " --help shows what it takes)");
            err.flush();
            return USAGE;
        });
        cl.setExecutionExceptionHandler((e, bad, parsed) -> {
            PrintWriter err = bad.getErr();
            err.println(qualifiedName(bad) + ": failed: " + e);
            err.flush();
            return FAILED;
        });
        return cl;
    }

    /**
     * The error of a command that only groups others and was given none: names the ones there are, read from the tree
     * so the list cannot go stale.
     */
    public static CommandLine.ParameterException missingCommand(CommandLine.Model.CommandSpec spec) {
        return new CommandLine.ParameterException(spec.commandLine(),
                "which one? " + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * The one-line reason: picocli's own message, except for a word where a command was expected, which is named as an
     * unknown command with the ones there are.
     */
    static String message(CommandLine.ParameterException e) {
        CommandLine bad = e.getCommandLine();
        if (e instanceof CommandLine.UnmatchedArgumentException u && !bad.getSubcommands().isEmpty() && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().getFirst().startsWith("-")) {
            return "unknown command '" + u.getUnmatched().getFirst() + "' (commands: "
                    + String.join(", ", bad.getSubcommands().keySet()) + ")";
        }
        String m = e.getMessage();
        int newline = m.indexOf('\n');
        return newline < 0 ? m : m.substring(0, newline);
    }

    /** {@code ipc4j bench small}, from the root of the tree down to {@code cl}. */
    static String qualifiedName(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }
}
