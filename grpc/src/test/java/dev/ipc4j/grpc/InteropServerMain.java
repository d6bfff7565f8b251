package dev.ipc4j.grpc;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The conformance suite's server process ({@code RUN_DIR [alias] [calls=N]}: with alias, requests are parsed in place; with calls=N, a
 * session may have N calls open at once; it hears
 * SHUTDOWN for a graceful shutdown, then EXIT; or EXIT): one {@link Ipc4jServer} serving the interop TestService (and
 * the FlatBuffers methods of {@link BlobService}) over ipc4j (the app
 * "interop" in the run directory given) and, with its one extra builder call, over grpc's TCP transport on a port it
 * chooses. Says "READY port", serves until it hears "EXIT".
 */
public final class InteropServerMain {
    static final ClientApp CLIENT = ClientApp.named("interop-client").build();

    private InteropServerMain() {}

    static ServerApp app(Path runDir) {
        return ServerApp.named("interop").allowing(CLIENT).runDirectory(runDir).build();
    }

    /** The option after RUN_DIR that starts with {@code prefix}, less the prefix ("" for a flag); null when absent. */
    private static String option(String[] args, String prefix) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith(prefix)) {
                return args[i].substring(prefix.length());
            }
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        HealthStatusManager health = new HealthStatusManager();
        Server server = Ipc4jGrpc.server(app(Path.of(args[0]))).addService(new InteropService(timer))
                .addService(BlobService.definition())
                .addService(ProtoReflectionServiceV1.newInstance()).addService(health.getHealthService())
                .intercept(new InteropService.EchoMetadata()).tcp(0)
                .aliasRequests(option(args, "alias") != null)
                .maxConcurrentCallsPerSession(option(args, "calls=") != null ? Integer.parseInt(option(args, "calls="))
                        : Ipc4jServer.DEFAULT_MAX_CALLS_PER_SESSION).build().start();
        health.setStatus(TestServiceGrpc.SERVICE_NAME, HealthCheckResponse.ServingStatus.SERVING);
        say("READY " + server.getPort());
        String command = hear();
        if (command.equals("SHUTDOWN")) { // graceful: open calls finish, new ones are refused
            server.shutdown();
            say("SHUTTING-DOWN");
            server.awaitTermination();
            say("TERMINATED");
            command = hear();
        }
        if (!command.equals("EXIT")) {
            throw new IllegalStateException("expected EXIT, heard " + command);
        }
        server.shutdownNow();
        server.awaitTermination();
        timer.shutdownNow();
        say("BYE");
    }
}
