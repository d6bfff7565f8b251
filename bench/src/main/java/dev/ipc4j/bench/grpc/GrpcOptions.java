package dev.ipc4j.bench.grpc;

import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import java.time.Duration;
import java.util.List;

/**
 * Options of {@code ./ipc4j bench grpc}.
 *
 * @param transports which transports to run, in order ({@link GrpcTransport})
 * @param smallIterations measured 64-byte unary round trips per transport
 * @param largeIterations measured round trips with the large body per transport
 * @param largeBytes the large body's bytes (10 MiB by default)
 * @param streamMessages messages of one measured server stream
 * @param warmupSeconds seconds of each test before it is measured: the JIT's time to compile the path
 * @param json JSON lines on stdout (the table goes to stderr)
 * @param timeout how long the whole run may take before its server process is killed
 * @param inPlace protobuf messages of 256 KiB or more are parsed in place over ipc4j: requests by the server
 *     ({@code Ipc4jServer.Builder.aliasRequests}), responses by the client ({@code InPlaceScope}, one per call)
 * @param directExecutor every server runs its handlers on its transport's thread (grpc-java's {@code directExecutor()},
 *     for services that never block, as the benchmark's do): no hand-off to a handler thread
 * @param waitMode how both sides' ipc4j sessions wait for the next frame ({@link WaitMode#sessionConfig}; backoff is the
 *     library's default)
 */
public record GrpcOptions(List<GrpcTransport> transports, int smallIterations, int largeIterations, int largeBytes,
        int streamMessages, int warmupSeconds, boolean json, Duration timeout, boolean inPlace,
        boolean directExecutor, WaitMode waitMode) {
    public static final GrpcOptions DEFAULT = new GrpcOptions(List.of(GrpcTransport.values()), 20_000, 100, 10 << 20,
            200_000, 3, false, Duration.ofMinutes(20), false, false, WaitMode.BACKOFF);

    public GrpcOptions {
        transports = List.copyOf(transports);
        java.util.Objects.requireNonNull(waitMode, "waitMode");
        if (transports.isEmpty()) {
            throw new IllegalArgumentException("--transports names no transport");
        }
        if (smallIterations < 1 || largeIterations < 1 || streamMessages < 1 || warmupSeconds < 0) {
            throw new IllegalArgumentException("--iterations, --large-iterations and --stream-messages must be positive,"
                    + " --warmup-seconds not negative");
        }
        if (largeBytes < 1 || largeBytes > GrpcBenchServer.MAX_MESSAGE - 1024) {
            throw new IllegalArgumentException("--large-bytes must be 1 to " + (GrpcBenchServer.MAX_MESSAGE - 1024));
        }
    }

    /**
     * Reads {@code ./ipc4j bench grpc}'s words ({@link GrpcCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static GrpcOptions parse(String... args) {
        return ToolCommand.parse(new GrpcCommand(), args);
    }
}
