package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ipc4j jmh}: the JMH hot-path benchmarks of the bench module. Every word but {@code -h}/{@code --help} goes to
 * JMH's own parser, which is checked first so a bad word is reported like any other bad invocation (one line, exit 2).
 */
@Command(name = "jmh", header = "The JMH hot-path benchmarks.",
        synopsisHeading = "Usage: ", customSynopsis = "ipc4j jmh [-h] [JMH-OPTION...] [BENCHMARK-REGEX...]",
        descriptionHeading = "%n",
        description = {
            "Runs JMH with ipc4j-core as the named module dev.ipc4j and the benchmarks of the bench module, e.g.",
            "  ./ipc4j jmh MessageEndpointBenchmark -p bytes=64 -prof gc",
            "  ./ipc4j jmh -l          lists the benchmarks",
            "  ./ipc4j jmh -lprof      lists the profilers",
            "  ./ipc4j jmh -- -h       JMH's own help (every JMH option)"},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when JMH ran, 1 when it failed, 2 for options JMH does not take.")
final class JmhCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @CommandLine.Unmatched
    private List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        String[] args = jmhArgs.toArray(String[]::new);
        try {
            new CommandLineOptions(args);
        } catch (CommandLineOptionException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "JMH: " + e.getMessage(), e);
        }
        org.openjdk.jmh.Main.main(args);
        return 0;
    }
}
