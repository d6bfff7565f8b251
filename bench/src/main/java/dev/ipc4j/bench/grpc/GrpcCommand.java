package dev.ipc4j.bench.grpc;

import dev.ipc4j.bench.harness.OptionNumbers;
import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ipc4j bench grpc}: the words it takes, read into {@link GrpcOptions}; runs {@link GrpcBench}. */
@Command(name = "grpc", sortOptions = false,
        header = "gRPC round trips and streams: ipc4j vs grpc-netty (TCP, Unix socket) vs in-process.",
        descriptionHeading = "%n",
        description = {
            "The same grpc-java service and generated blocking stubs on every transport; the server in a child JVM "
                    + "(one Ipc4jServer that also listens on TCP, and a grpc-netty server on a Unix socket), in-process "
                    + "in this JVM:",
            "  unary 64 B     an Echo call whose request and response carry 64 bytes",
            "  unary large    the same with a 10 MiB bytes field each way (--large-bytes)",
            "  stream         one Flood call: 200,000 messages of 64 bytes (--stream-messages), as fast as flow "
                    + "control lets",
            "  unary large, flatbuffers   the large body as FlatBuffers (dev.ipc4j.grpc.FlatBuffer): over ipc4j built "
                    + "in the session's shared memory, a handle each way",
            "Reports p50/p90/p99/max per unary test, messages per second per stream, heap bytes the calling thread "
                    + "allocated per call, and issue 15's targets: ipc4j unary p50 >= 10x lower than netty-tcp at 64 B "
                    + "and >= 50x at 10 MiB; within 2x of in-process at 64 B."},
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n", footer = "Exit code: 0 when every run succeeded, 1 when one failed, 2 for bad options.")
public final class GrpcCommand extends ToolCommand<GrpcOptions> {
    @Option(names = "--transports", paramLabel = "LIST", description = "Which, in order (default ipc4j,netty-tcp,netty-uds,inprocess).")
    private String transports;

    @Option(names = "--iterations", paramLabel = "N", description = "Measured 64-byte round trips per transport (default 20000).")
    private String iterations;

    @Option(names = "--large-iterations", paramLabel = "N", description = "Measured large round trips per transport (default 100).")
    private String largeIterations;

    @Option(names = "--large-bytes", paramLabel = "N", description = "The large bytes field (default 10485760).")
    private String largeBytes;

    @Option(names = "--stream-messages", paramLabel = "N", description = "Messages of the measured stream (default 200000).")
    private String streamMessages;

    @Option(names = "--warmup-seconds", paramLabel = "S", description = "Each test runs this long before it is measured (default 3).")
    private String warmupSeconds;

    @Option(names = "--timeout-seconds", paramLabel = "N", description = "The run's limit; its server process is killed past it (default 1200).")
    private String timeoutSeconds;

    @Option(names = "--in-place", description = "Over ipc4j, protobuf messages of 256 KiB or more are parsed in place (bytes fields are views of shared memory): requests by the server, responses by the client (a scope per call).")
    private boolean inPlace;

    @Option(names = "--direct-executor", description = "Every server runs handlers on its transport's thread (grpc-java's directExecutor(), for services that never block): no hand-off to a handler thread.")
    private boolean directExecutor;

    @Option(names = "--wait", paramLabel = "MODE", description = "How the ipc4j sessions wait on both sides: backoff (the library's default), block or spin (burns a core per side).")
    private String wait;

    @Option(names = "--json", description = "JSON lines on stdout (a row per transport and test, a row per target), the table on stderr.")
    private boolean json;

    @Override
    protected GrpcOptions options() {
        GrpcOptions d = GrpcOptions.DEFAULT;
        List<GrpcTransport> list = d.transports();
        if (transports != null) {
            list = new ArrayList<>();
            for (String t : transports.split(",")) {
                list.add(GrpcTransport.parse(t.trim()));
            }
        }
        return new GrpcOptions(list,
                iterations == null ? d.smallIterations() : OptionNumbers.positive("--iterations", iterations),
                largeIterations == null ? d.largeIterations() : OptionNumbers.positive("--large-iterations", largeIterations),
                largeBytes == null ? d.largeBytes() : OptionNumbers.positive("--large-bytes", largeBytes),
                streamMessages == null ? d.streamMessages() : OptionNumbers.positive("--stream-messages", streamMessages),
                warmupSeconds == null ? d.warmupSeconds() : OptionNumbers.nonNegative("--warmup-seconds", warmupSeconds),
                json, timeoutSeconds == null ? d.timeout()
                        : Duration.ofSeconds(OptionNumbers.positive("--timeout-seconds", timeoutSeconds)), inPlace, directExecutor,
                wait == null ? d.waitMode() : WaitMode.parse(wait));
    }

    @Override
    protected int run(GrpcOptions options, PrintStream out, PrintStream err) throws Exception {
        return GrpcBench.run(options, out, err);
    }
}
