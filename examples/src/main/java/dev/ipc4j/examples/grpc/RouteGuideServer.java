package dev.ipc4j.examples.grpc;

import dev.ipc4j.grpc.Ipc4jGrpc;
import io.grpc.Server;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.nio.file.Path;

/**
 * The route guide server: a grpc-java service served over ipc4j sessions to the walker app, and over TCP on a port
 * ({@code --port N}, 0 for any) for clients elsewhere. Stops on SIGTERM/Ctrl-C.
 *
 * <pre>./ipc4j example grpc-server [--run-dir DIR] [--port N]</pre>
 */
public final class RouteGuideServer {
    private RouteGuideServer() {}

    public static void main(String[] args) throws Exception {
        String dir = RouteGuideApps.option(args, "--run-dir");
        String port = RouteGuideApps.option(args, "--port");
        Server server = Ipc4jGrpc.server(RouteGuideApps.guide(dir == null ? null : Path.of(dir)))
                .addService(new RouteGuideService())
                .addService(ProtoReflectionServiceV1.newInstance()) // for ipc4j gateway: its schema without generated code
                .tcp(port == null ? 0 : Integer.parseInt(port))
                .build().start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown(); // open calls finish, then the sessions close
            try {
                server.awaitTermination();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.println("route guide server stopped");
        }));
        System.out.println("route guide server ready: pid " + ProcessHandle.current().pid() + ", TCP port "
                + server.getPort());
        server.awaitTermination();
    }
}
