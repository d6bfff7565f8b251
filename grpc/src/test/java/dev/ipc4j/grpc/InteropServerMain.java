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
 * The conformance suite's server process ({@code RUN_DIR [alias]}: with alias, requests are parsed in place; it hears
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

    public static void main(String[] args) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        HealthStatusManager health = new HealthStatusManager();
        Server server = Ipc4jGrpc.server(app(Path.of(args[0]))).addService(new InteropService(timer))
                .addService(BlobService.definition())
                .addService(ProtoReflectionServiceV1.newInstance()).addService(health.getHealthService())
                .intercept(new InteropService.EchoMetadata()).tcp(0)
                .aliasRequests(args.length > 1 && args[1].equals("alias")).build().start();
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
