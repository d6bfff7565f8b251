package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import io.grpc.Channel;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.TestServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interop cases over grpc-netty on loopback TCP, to the same server (the same {@link Ipc4jServer}) as the ipc4j
 * run: a client that cannot reach the server's run directory (it is given an empty one) takes the TCP route.
 */
class InteropOverTcpTest extends InteropCases {
    @TempDir
    static Path runDir;
    @TempDir
    static Path elsewhere;
    private static InteropServers.Started server;
    private static RoutedChannel channel;

    @BeforeAll
    static void start() {
        server = InteropServers.start(runDir);
        int port = server.tcpPort();
        channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(elsewhere), "127.0.0.1:" + port)
                .build();
        assertEquals(Empty.getDefaultInstance(), TestServiceGrpc.newBlockingStub(channel)
                .emptyCall(Empty.getDefaultInstance()));
        assertEquals(RoutedChannel.Route.TCP, channel.route(), "no session from an empty run directory: TCP");
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        assertTrue(channel.awaitTermination(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the channel terminated");
        server.stop();
    }

    @Override
    Channel channel() {
        return channel;
    }
}
