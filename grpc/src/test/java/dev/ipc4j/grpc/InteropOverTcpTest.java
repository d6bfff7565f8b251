package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The interop cases over grpc-netty on loopback TCP, against the same server process as the ipc4j run. */
class InteropOverTcpTest extends InteropCases {
    @TempDir
    static Path runDir;
    private static JvmChild server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        server = JvmChild.start(InteropServerMain.class, runDir.toString());
        int port = Integer.parseInt(server.expect("READY").trim());
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        assertTrue(channel.awaitTermination(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the channel terminated");
        server.send("EXIT");
        server.expect("BYE");
        assertEquals(0, server.awaitExit());
        server.close();
    }

    @Override
    Channel channel() {
        return channel;
    }
}
