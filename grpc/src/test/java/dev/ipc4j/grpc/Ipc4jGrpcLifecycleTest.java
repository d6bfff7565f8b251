package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.ResponseParameters;
import io.grpc.testing.integration.SimpleRequest;
import io.grpc.testing.integration.StreamingOutputCallRequest;
import io.grpc.testing.integration.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What only a local transport has: the server's process as the peer the kernel vouched for, the server's death ending
 * every open call with UNAVAILABLE, and the channel finding the server again once it is back.
 */
class Ipc4jGrpcLifecycleTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final long WAIT_S = JvmChild.TIMEOUT.toSeconds();

    @TempDir
    Path runDir;

    private static JvmChild startServer(Path runDir) {
        JvmChild server = JvmChild.start(InteropServerMain.class, runDir.toString());
        server.expect("READY");
        return server;
    }

    private static void stop(JvmChild server) throws Exception {
        server.send("EXIT");
        server.expect("BYE");
        assertEquals(0, server.awaitExit());
        server.close();
    }

    @Test
    void theServiceSeesThisProcessAndTheDeadlineInItsContext() throws Exception {
        JvmChild server = startServer(runDir);
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        try {
            AtomicReference<Metadata> headers = new AtomicReference<>();
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            TestServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .unaryCall(SimpleRequest.newBuilder().setResponseSize(1).build());
            String peer = headers.get().get(InteropService.PEER_SEEN);
            assertTrue(peer.startsWith("ipc4j:interop-client[pid " + ProcessHandle.current().pid() + ","), peer);
            long deadlineMs = Long.parseLong(headers.get().get(InteropService.DEADLINE_SEEN));
            assertTrue(deadlineMs > 20_000 && deadlineMs <= 30_000, "the handler's Context has the deadline: " + deadlineMs);
        } finally {
            channel.shutdownNow();
            assertTrue(channel.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            stop(server);
        }
    }

    @Test
    void theServersDeathEndsEveryOpenCallWithUnavailableAndTheChannelFindsTheNextServer() throws Exception {
        JvmChild server = startServer(runDir);
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        try {
            TestServiceGrpc.TestServiceStub stub = TestServiceGrpc.newStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
            List<CompletableFuture<Status>> open = new ArrayList<>();
            List<CompletableFuture<Void>> firsts = new ArrayList<>();
            for (int i = 0; i < 3; i++) { // each answers once, then waits a minute before its second response
                CompletableFuture<Status> end = new CompletableFuture<>();
                CompletableFuture<Void> first = new CompletableFuture<>();
                stub.streamingOutputCall(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1))
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1).setIntervalUs(60_000_000))
                        .build(), new StreamObserver<>() {
                            @Override
                            public void onNext(StreamingOutputCallResponse value) {
                                first.complete(null);
                            }

                            @Override
                            public void onError(Throwable t) {
                                end.complete(Status.fromThrowable(t));
                            }

                            @Override
                            public void onCompleted() {
                                end.complete(Status.OK);
                            }
                        });
                open.add(end);
                firsts.add(first);
            }
            for (CompletableFuture<Void> first : firsts) {
                first.get(WAIT_S, TimeUnit.SECONDS); // every call is open at the server
            }
            server.kill();
            for (CompletableFuture<Status> end : open) {
                Status s = end.get(WAIT_S, TimeUnit.SECONDS);
                assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
            }
            server.awaitExit();
            server.close();

            StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).emptyCall(Empty.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, none.getStatus().getCode(), "no server: " + none.getStatus());

            server = startServer(runDir);
            assertNotNull(ClientCalls.blockingUnaryCall(channel, TestServiceGrpc.getEmptyCallMethod(),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS), Empty.getDefaultInstance()),
                    "the same channel reaches the restarted server");
        } finally {
            channel.shutdownNow();
            assertTrue(channel.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            stop(server);
        }
    }
}
