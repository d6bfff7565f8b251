package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.testing.integration.SimpleRequest;
import io.grpc.testing.integration.TestServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The interop cases over an ipc4j session, the service in another JVM. */
class InteropOverIpc4jTest extends InteropCases {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    @TempDir
    static Path runDir;
    private static InteropServers.Started server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() {
        server = InteropServers.start(runDir);
        channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        // The session opens with the first call, and each side maps the other's shared memory with the first large
        // message it reads: both before the tests, so that each test's leak check starts with them.
        assertEquals(1 << 20, TestServiceGrpc.newBlockingStub(channel).unaryCall(SimpleRequest.newBuilder()
                .setResponseSize(1 << 20).setPayload(InteropService.zeros(1 << 20)).build()).getPayload().getBody().size());
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdown();
        assertTrue(channel.awaitTermination(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the channel terminated");
        server.stop();
    }

    @Override
    Channel channel() {
        return channel;
    }
}
