package dev.ipc4j.grpc;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The conformance suite's server process: the interop TestService over ipc4j (the app "interop" in the run directory
 * given) and over grpc-netty on a loopback port it chooses. Says "READY port", serves until it hears "EXIT".
 */
public final class InteropServerMain {
    static final ClientApp CLIENT = ClientApp.named("interop-client").build();

    private InteropServerMain() {}

    static ServerApp app(Path runDir) {
        return ServerApp.named("interop").allowing(CLIENT).runDirectory(runDir).build();
    }

    public static void main(String[] args) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        Server ipc4j = Ipc4jGrpc.server(app(Path.of(args[0]))).addService(new InteropService(timer))
                .intercept(new InteropService.EchoMetadata()).build().start();
        Server tcp = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new InteropService(timer)).intercept(new InteropService.EchoMetadata()).build().start();
        say("READY " + tcp.getPort());
        hear("EXIT");
        ipc4j.shutdownNow();
        tcp.shutdownNow();
        ipc4j.awaitTermination();
        tcp.awaitTermination();
        timer.shutdownNow();
        say("BYE");
    }
}
