package dev.ipc4j.cli;

import dev.ipc4j.bench.grpc.GrpcCommand;
import dev.ipc4j.bench.harness.CommandLines;
import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.bench.harness.SmallCommand;
import dev.ipc4j.bench.load.LoadCommand;
import dev.ipc4j.bench.messages.MessagesCommand;
import dev.ipc4j.bench.pubsub.PubSubCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ipc4j bench}: the cross-process benchmarks; a word naming one of them is required. */
@Command(name = "bench", header = "Cross-process benchmarks (each takes --help).", synopsisSubcommandLabel = "(small | messages | load | grpc | pubsub)",
        subcommands = {SmallCommand.class, MessagesCommand.class, LoadCommand.class, GrpcCommand.class, PubSubCommand.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @Override
    public void run() {
        throw CommandLines.missingCommand(spec);
    }
}
