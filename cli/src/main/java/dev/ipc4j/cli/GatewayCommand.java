package dev.ipc4j.cli;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.grpc.Ipc4jChannel;
import dev.ipc4j.grpc.Ipc4jGrpc;
import dev.ipc4j.session.ClientApp;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ipc4j gateway APP --port P}: curl-able gRPC services. Connects to the gRPC server of app APP on this host over
 * an ipc4j session, learns its methods by server reflection, and serves {@code POST /package.Service/Method} with a
 * JSON body on loopback (see {@link Gateway}). Runs until interrupted.
 */
@Command(name = "gateway", description = "Serve a local gRPC server's methods as JSON over HTTP (POST /package.Service/Method), on loopback.")
final class GatewayCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @CommandLine.Mixin
    private ServerAppOptions target = new ServerAppOptions();

    @Option(names = "--port", paramLabel = "P", defaultValue = "8080", description = "HTTP port (default: ${DEFAULT-VALUE}; 0: any free one).")
    private int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only).")
    private String bind;

    @Option(names = "--as", paramLabel = "CLIENT_APP", defaultValue = "gateway",
            description = "The client app the gateway logs in as (default: ${DEFAULT-VALUE}).")
    private String clientApp;


    @Option(names = "--deadline", paramLabel = "MS", defaultValue = "10000",
            description = "Deadline of each call and of reflection, in milliseconds (default: ${DEFAULT-VALUE}).")
    private long deadlineMillis;

    /** Counted down once the gateway serves (tests wait on it); the address is in {@link #served}. */
    final CountDownLatch ready = new CountDownLatch(1);
    volatile Gateway served;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Ipc4jChannel channel = Ipc4jGrpc.channel(ClientApp.named(clientApp).build(), target.serverApp()).build();
        try (Gateway g = Gateway.start(channel, new InetSocketAddress(InetAddress.getByName(bind), port), Duration.ofMillis(deadlineMillis))) {
            served = g;
            out.printf("gateway for %s on http://%s:%d/ (%d methods: %s)%n", target.app, bind, g.address().getPort(),
                    g.paths().size(), String.join(" ", g.paths()));
            out.flush();
            ready.countDown();
            Thread.currentThread().join(); // until interrupted (Ctrl-C ends the JVM)
            return 0;
        } catch (StatusRuntimeException e) {
            spec.commandLine().getErr().println("ipc4j gateway: server reflection of " + target.app + " failed: " + e.getStatus()
                    + " (the server must serve ProtoReflectionServiceV1 and allow client app " + clientApp + ")");
            return 1;
        } catch (InterruptedException e) {
            return 0;
        } finally {
            channel.shutdownNow();
            if (!channel.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
                spec.commandLine().getErr().println("ipc4j gateway: the session did not end within 10 s");
            }
        }
    }
}
