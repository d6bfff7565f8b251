package dev.ipc4j.bench.harness;

import picocli.CommandLine.Option;

/** {@code -h}/{@code --help}, the same on every command of the {@code ipc4j} tree ({@code @Mixin} it). */
public final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;
}
