package dev.ipc4j.bench.harness;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * A command of the {@code ipc4j} tree that runs a tool (the demo, a benchmark): picocli reads the words into the
 * subclass's {@code @Option} fields, {@link #options()} turns them into the tool's validated options record, and
 * {@link #run} runs it. A value the record refuses is a bad invocation like an unknown option (one line, exit 2), so
 * every rule lives once, in the record or in {@link #options()}.
 *
 * @param <O> the tool's options record
 */
public abstract class ToolCommand<O> implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    /**
     * The options the words given ask for.
     *
     * @throws IllegalArgumentException naming the option that is wrong
     */
    protected abstract O options();

    /** Runs the tool; returns its exit code (0 done, 1 failed). */
    protected abstract int run(O options, PrintStream out, PrintStream err) throws Exception;

    /** Where the tool prints (tests); {@code System.out} and {@code System.err} unless set. */
    public final ToolCommand<O> printingTo(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        return this;
    }

    @Override
    public final Integer call() throws Exception {
        O options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return run(options, out, err);
    }

    /**
     * Reads {@code args} with {@code command}'s parser and returns the options they ask for, without running anything
     * (what the records' {@code parse} methods and tests use).
     *
     * @throws IllegalArgumentException naming the word or value that is wrong
     */
    public static <O> O parse(ToolCommand<O> command, String... args) {
        try {
            new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(CommandLines.message(e), e);
        }
        return command.options();
    }

    /** Runs {@code command} on its own with {@code args}, as {@code ipc4j} would; returns the exit code (tests). */
    public static int execute(ToolCommand<?> command, PrintStream out, PrintStream err, String... args) {
        CommandLine cl = CommandLines.configure(new CommandLine(command.printingTo(out, err)));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        return cl.execute(args);
    }

    /** What {@code --help} prints for {@code command}, as {@code ipc4j} would print it (tests). */
    public static String usage(ToolCommand<?> command) {
        return CommandLines.configure(new CommandLine(command)).getUsageMessage();
    }
}
