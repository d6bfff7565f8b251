package dev.ipc4j.bench.grpc;

import static dev.ipc4j.bench.harness.ChildSide.say;

import dev.ipc4j.bench.harness.ChildSide;
import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.grpc.Ipc4jGrpc;
import dev.ipc4j.grpc.Ipc4jServer;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * bench grpc's server process ({@code RUN_DIR TIMEOUT_S IN_PLACE DIRECT_EXECUTOR WAIT}): one {@link EchoService} and one
 * {@link FlatEchoService} behind an ipc4j server (the app "grpc-bench" in the run directory given; requests parsed in
 * place when asked) that also listens on TCP, and behind a grpc-netty server on a Unix domain socket in that directory
 * (when Netty's epoll transport loads here). Says {@code READY tcpPort udsPath|-}; serves until its stdin ends.
 */
public final class GrpcBenchServer {
    static final ClientApp CLIENT = ClientApp.named("grpc-bench-client").build();
    static final int MAX_MESSAGE = 64 << 20;

    private GrpcBenchServer() {}

    static ServerApp app(Path runDir) {
        return ServerApp.named("grpc-bench").allowing(CLIENT).runDirectory(runDir).build();
    }

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        ChildSide.haltAfter(Duration.ofSeconds(Long.parseLong(args[1])));
        boolean direct = Boolean.parseBoolean(args[3]);
        Ipc4jServer.Builder ipc4j = Ipc4jGrpc.server(app(runDir)).addService(new EchoService())
                .addService(FlatEchoService.definition()).maxInboundMessageSize(MAX_MESSAGE)
                .aliasRequests(Boolean.parseBoolean(args[2])).tcp(0)
                .sessionConfig(SessionServer.Config.DEFAULT.withSession(WaitMode.parse(args[4]).sessionConfig()));
        if (direct) {
            ipc4j.directExecutor(); // its TCP server's too
        }
        Server server = ipc4j.build().start();
        Server uds = null;
        EventLoopGroup loop = null;
        String udsPath = "-";
        if (Epoll.isAvailable()) {
            loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            Path socket = runDir.resolve("grpc-bench-uds.sock");
            NettyServerBuilder udsBuilder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()));
            if (direct) {
                udsBuilder.directExecutor();
            }
            uds = udsBuilder
                    .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(loop).workerEventLoopGroup(loop)
                    .addService(new EchoService()).addService(FlatEchoService.definition())
                    .maxInboundMessageSize(MAX_MESSAGE).build().start();
            udsPath = socket.toString();
        } else {
            System.err.println("no Unix-socket baseline: Netty's epoll transport did not load: " + Epoll.unavailabilityCause());
        }
        say("READY " + server.getPort() + " " + udsPath);
        while (System.in.read() >= 0) {
            // the parent sends nothing; its end (stdin closed) ends the run
        }
        server.shutdownNow();
        server.awaitTermination();
        if (uds != null) {
            uds.shutdownNow().awaitTermination();
            loop.shutdownGracefully().sync();
        }
        System.exit(0);
    }
}
