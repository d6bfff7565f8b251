package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.CommandLines;
import dev.ipc4j.bench.harness.HelpOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ipc4j example NAME}: the example programs. Each runs in a JVM of its own, as the application it stands for
 * would: the named module {@code dev.ipc4j.examples} on a module path with ipc4j-core, nothing else, so an example can
 * only use what a user's application can. The launcher says where that module path is ({@value #PATH_PROPERTY}).
 */
@Command(name = "example", header = "The example programs (each takes --help).",
        synopsisSubcommandLabel = "(cache | cache-server | cache-client | grpc | grpc-server | grpc-client)",
        subcommands = {ExampleCommand.Cache.class, ExampleCommand.CacheServer.class, ExampleCommand.CacheClient.class,
            ExampleCommand.Grpc.class, ExampleCommand.GrpcServer.class, ExampleCommand.GrpcClient.class})
final class ExampleCommand implements Runnable {
    /** The examples' module path, set by the {@code ./ipc4j} launcher. */
    static final String PATH_PROPERTY = "ipc4j.examples.path";

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @Override
    public void run() {
        throw CommandLines.missingCommand(spec);
    }

    /** Runs {@code main} of the examples module in a JVM of its own with {@code args}; returns its exit code. */
    static int launch(String main, List<String> args) throws Exception {
        String path = System.getProperty(PATH_PROPERTY);
        if (path == null) {
            throw new IllegalStateException("the examples' module path is unknown: run this through ./ipc4j (it sets -D" + PATH_PROPERTY + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        // Native access for ipc4j, and for grpc-netty-shaded's epoll transport (the gRPC example's TCP route).
        command.addAll(List.of("--enable-native-access=dev.ipc4j,io.grpc.netty.shaded", "--illegal-native-access=deny"));
        String opts = System.getenv("IPC4J_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            command.addAll(List.of(opts.trim().split("\\s+")));
        }
        // Every module of the path: grpc-java's jars are automatic modules whose own dependencies (guava's
        // failureaccess, the transport found as a service) nothing requires by name.
        command.addAll(List.of("-p", path, "--add-modules", "ALL-MODULE-PATH", "-m", "dev.ipc4j.examples/dev.ipc4j.examples." + main));
        command.addAll(args);
        Process p = new ProcessBuilder(command).inheritIO().start();
        try {
            return p.waitFor();
        } finally {
            if (p.isAlive()) { // interrupted: do not leave it behind
                p.destroy();
            }
        }
    }

    @Command(name = "cache", header = "A cache server process and a client against it, in a private run directory.")
    static final class Cache implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Override
        public Integer call() throws Exception {
            return launch("CacheExample", List.of());
        }
    }

    @Command(name = "cache-server", header = "The cache server alone; stop it with Ctrl-C.")
    static final class CacheServer implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Option(names = "--run-dir", paramLabel = "DIR", description = "Where its socket and pid file go (default: the user's ipc4j run directory).")
        private Path runDir;

        @Override
        public Integer call() throws Exception {
            return launch("CacheServer", runDir == null ? List.of() : List.of("--run-dir", runDir.toString()));
        }
    }

    @Command(name = "cache-client", header = "A cache client against a running cache-server.")
    static final class CacheClient implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Option(names = "--run-dir", paramLabel = "DIR", description = "Where the server's socket is (default: the user's ipc4j run directory).")
        private Path runDir;

        @Parameters(paramLabel = "KEY", description = "Keys to fetch (default: every key the server has, and one it has not).")
        private List<String> keys = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>();
            if (runDir != null) {
                args.addAll(List.of("--run-dir", runDir.toString()));
            }
            args.addAll(keys);
            return launch("CacheClient", args);
        }
    }

    @Command(name = "grpc", header = "A gRPC route guide: a server process and a client against it (unary, server stream,"
            + " client stream, bidirectional), over an ipc4j session, in a private run directory.")
    static final class Grpc implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Override
        public Integer call() throws Exception {
            return launch("grpc.RouteGuideExample", List.of());
        }
    }

    @Command(name = "grpc-server", header = "The gRPC route guide server alone, over ipc4j and TCP; stop it with Ctrl-C.")
    static final class GrpcServer implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Option(names = "--run-dir", paramLabel = "DIR", description = "Where its socket and pid file go (default: the user's ipc4j run directory).")
        private Path runDir;

        @Option(names = "--port", paramLabel = "N", description = "Its TCP port (default 50051; 0: any free port).")
        private int port = 50051;

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port)));
            if (runDir != null) {
                args.addAll(List.of("--run-dir", runDir.toString()));
            }
            return launch("grpc.RouteGuideServer", args);
        }
    }

    @Command(name = "grpc-client", header = "A gRPC route guide client: the session when the server runs on this host, else TCP.")
    static final class GrpcClient implements Callable<Integer> {
        @CommandLine.Mixin
        private HelpOption help = new HelpOption();

        @Option(names = "--run-dir", paramLabel = "DIR", description = "Where the server's socket is (default: the user's ipc4j run directory).")
        private Path runDir;

        @Option(names = "--tcp", paramLabel = "HOST:PORT", description = "The server over TCP, when no session can be had (default localhost:50051).")
        private String tcp = "localhost:50051";

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>(List.of("--tcp", tcp));
            if (runDir != null) {
                args.addAll(List.of("--run-dir", runDir.toString()));
            }
            return launch("grpc.RouteGuideClient", args);
        }
    }
}
