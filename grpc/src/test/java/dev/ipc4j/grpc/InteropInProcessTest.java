package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The interop cases against grpc's in-process transport: the reference the other two transports must match. */
class InteropInProcessTest extends InteropCases {
    private static ScheduledExecutorService timer;
    private static Server server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        timer = Executors.newSingleThreadScheduledExecutor();
        String name = InProcessServerBuilder.generateName();
        HealthStatusManager health = new HealthStatusManager();
        server = InProcessServerBuilder.forName(name).addService(new InteropService(timer))
                .addService(ProtoReflectionServiceV1.newInstance()).addService(health.getHealthService())
                .intercept(new InteropService.EchoMetadata()).build().start();
        health.setStatus(TestServiceGrpc.SERVICE_NAME, HealthCheckResponse.ServingStatus.SERVING);
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow();
        assertTrue(channel.awaitTermination(10, TimeUnit.SECONDS) && server.awaitTermination(10, TimeUnit.SECONDS));
        timer.shutdownNow();
    }

    @Override
    Channel channel() {
        return channel;
    }
}
