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
import org.junit.jupiter.api.BeforeAll;
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


    @BeforeAll
    static void warmUp(@TempDir Path dir) throws Exception {
        InteropServers.warmUpTcp(dir);
    }

    @Test
    void theServiceSeesThisProcessAndTheDeadlineInItsContext() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
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
            InteropServers.close(channel);
            server.stop();
        }
    }

    /** The peer a service saw, as the interop service's interceptor reports it. */
    private static String peerSeen(io.grpc.Channel channel) {
        AtomicReference<Metadata> headers = new AtomicReference<>();
        TestServiceGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
                .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
                .unaryCall(SimpleRequest.newBuilder().setResponseSize(1).build());
        return headers.get().get(InteropService.PEER_SEEN);
    }

    /** The route attribute of an empty call made on {@code channel}, read once the call has started. */
    private static RoutedChannel.Route routeOfACall(io.grpc.Channel channel) throws Exception {
        io.grpc.ClientCall<Empty, Empty> call = channel.newCall(TestServiceGrpc.getEmptyCallMethod(),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS));
        CompletableFuture<Status> end = new CompletableFuture<>();
        call.start(new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                end.complete(status);
            }
        }, new Metadata());
        RoutedChannel.Route route = call.getAttributes().get(Ipc4jGrpc.ROUTE);
        call.request(1);
        call.sendMessage(Empty.getDefaultInstance());
        call.halfClose();
        assertEquals(Status.Code.OK, end.get(WAIT_S, TimeUnit.SECONDS).getCode());
        return route;
    }

    @Test
    void aRoutedChannelTakesTheSessionWhenItCanAndTcpWhenItCannot(@TempDir Path empty) throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        int port = server.tcpPort();
        RoutedChannel local = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir),
                "127.0.0.1:" + port).build();
        RoutedChannel remote = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(empty),
                "127.0.0.1:" + port).build();
        try {
            assertTrue(peerSeen(local).startsWith("ipc4j:interop-client[pid " + ProcessHandle.current().pid()),
                    "a local call names this process");
            assertEquals(RoutedChannel.Route.IPC4J, local.route());
            assertEquals(RoutedChannel.Route.IPC4J, routeOfACall(local), "the call's attribute");
            assertTrue(peerSeen(remote).startsWith("/127.0.0.1:"), "a TCP call names its address");
            assertEquals(RoutedChannel.Route.TCP, remote.route());
            assertEquals(RoutedChannel.Route.TCP, routeOfACall(remote), "the call's attribute");
            assertTrue(local.arena() != null && local.arena().isWritable(), "the session's memory, to build messages in");
            assertEquals(null, remote.arena(), "over TCP, none: build on the heap");
        } finally {
            InteropServers.close(local, remote);
            server.stop();
        }
    }

    /**
     * Opens a server stream that answers once at once and once more {@code secondAfterMicros} later; returns once the
     * first answer came (the call is open at the server), with what it sees from then on.
     */
    private static Recorder<StreamingOutputCallResponse> openStream(io.grpc.Channel channel, int secondAfterMicros)
            throws Exception {
        Recorder<StreamingOutputCallResponse> recorder = new Recorder<>();
        TestServiceGrpc.newStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).streamingOutputCall(
                StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1))
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1).setIntervalUs(secondAfterMicros))
                        .build(), recorder);
        recorder.next();
        return recorder;
    }

    @Test
    void theServersDeathEndsEveryOpenCallWithUnavailableOnBothRoutesAndTheChannelFindsTheNextServer(@TempDir Path empty)
            throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        int port = server.tcpPort();
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        RoutedChannel tcp = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(empty), "127.0.0.1:" + port)
                .build();
        try {
            List<CompletableFuture<Status>> open = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                open.add(openStream(channel, 60_000_000).end);
                open.add(openStream(tcp, 60_000_000).end);
            }
            assertEquals(RoutedChannel.Route.TCP, tcp.route());
            server.process().kill();
            for (CompletableFuture<Status> end : open) {
                Status s = end.get(WAIT_S, TimeUnit.SECONDS);
                assertEquals(Status.Code.UNAVAILABLE, s.getCode(), s.toString());
            }
            server.process().awaitExit();
            server.process().close();

            StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).emptyCall(Empty.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, none.getStatus().getCode(), "no server: " + none.getStatus());

            server = InteropServers.start(runDir);
            assertNotNull(ClientCalls.blockingUnaryCall(channel, TestServiceGrpc.getEmptyCallMethod(),
                    io.grpc.CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS), Empty.getDefaultInstance()),
                    "the same channel reaches the restarted server");
        } finally {
            InteropServers.close(channel, tcp);
            server.stop();
        }
    }

    @Test
    void aGracefulShutdownRefusesNewCallsAndLetsOpenOnesFinish() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        try {
            Recorder<StreamingOutputCallResponse> open = openStream(channel, 2_000_000); // open across the shutdown
            server.process().send("SHUTDOWN");
            server.process().expect("SHUTTING-DOWN");
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                    .newBlockingStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).emptyCall(Empty.getDefaultInstance()));
            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode(), refused.getStatus().toString());
            assertEquals(Status.Code.OK, open.status().getCode(), "the open call finished");
            assertEquals(1, open.responses.size(), "its second response came too (the first was taken at its opening)");
            server.process().expect("TERMINATED");
        } finally {
            InteropServers.close(channel);
            server.stop();
        }
    }

    @Test
    void messagesOverTheLimitEndTheCallWithResourceExhausted() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        ManagedChannel small = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir))
                .maxInboundMessageSize(1_000).build();
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(small)
                    .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
            assertEquals(500, stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(500).build())
                    .getPayload().getBody().size());
            StatusRuntimeException tooLarge = assertThrows(StatusRuntimeException.class,
                    () -> stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(2_000).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, tooLarge.getStatus().getCode(), "the client's limit");
            StatusRuntimeException serverSide = assertThrows(StatusRuntimeException.class, () -> stub.unaryCall(
                    SimpleRequest.newBuilder().setPayload(InteropService.zeros(5 << 20)).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, serverSide.getStatus().getCode(), "the server's 4 MiB default");
            assertEquals(Empty.getDefaultInstance(), stub.emptyCall(Empty.getDefaultInstance()), "the channel goes on");
        } finally {
            InteropServers.close(small);
            server.stop();
        }
    }

    /**
     * A server that parses requests in place hands its service {@code bytes} that are views of the client's shared
     * memory (protobuf's NioByteString, not a copy), and a read of them after their call is an exception, never
     * bytes that are no longer the request's. The same server without the option copies them.
     */
    @Test
    void requestsParsedInPlaceAreViewsThatFailLoudlyAfterTheirCall(@TempDir Path plainDir) throws Exception {
        for (boolean alias : new boolean[] {true, false}) {
            Path dir = alias ? runDir : plainDir;
            InteropServers.Started server = alias ? InteropServers.start(dir, "alias") : InteropServers.start(dir);
            ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(dir)).build();
            try {
                TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
                String holder = stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(-2)
                        .setPayload(InteropService.zeros(256 << 10)).build()).getPayload().getBody().toStringUtf8();
                if (alias) {
                    assertTrue(holder.contains("Nio"), "a view of the shared memory: " + holder);
                    StatusRuntimeException late = assertThrows(StatusRuntimeException.class,
                            () -> stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(-3).build()));
                    assertEquals(Status.Code.FAILED_PRECONDITION, late.getStatus().getCode(), late.getStatus().toString());
                    assertTrue(late.getStatus().getDescription().startsWith("released: "), late.getStatus().toString());
                } else {
                    assertTrue(!holder.contains("Nio"), "a copy: " + holder);
                    assertEquals("read " + (256 << 10), stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(-3)
                            .build()).getPayload().getBody().toStringUtf8());
                }
                assertEquals(1000, stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(1000)
                        .setPayload(InteropService.zeros(1 << 20)).build()).getPayload().getBody().size());
            } finally {
                InteropServers.close(channel);
                server.stop();
            }
        }
    }

    /**
     * A client that gives a call an {@link InPlaceScope} reads a large response where the server wrote it (a view, not
     * a copy), until it closes the scope; a read after that is an exception. A small response, or a call without the
     * scope, is a copy, which outlives any scope.
     */
    @Test
    void responsesReadInPlaceAreViewsUntilTheirScopeCloses() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
            SimpleRequest large = SimpleRequest.newBuilder().setResponseSize(300 << 10).build();
            SimpleRequest small = SimpleRequest.newBuilder().setResponseSize(1000).build();
            com.google.protobuf.ByteString inPlace;
            com.google.protobuf.ByteString copied;
            com.google.protobuf.ByteString smallOne;
            try (InPlaceScope scope = InPlaceScope.open()) {
                TestServiceGrpc.TestServiceBlockingStub scoped = stub.withOption(InPlaceScope.RESPONSES, scope);
                inPlace = scoped.unaryCall(large).getPayload().getBody();
                smallOne = scoped.unaryCall(small).getPayload().getBody();
                copied = stub.unaryCall(large).getPayload().getBody();
                assertTrue(inPlace.getClass().getName().contains("Nio"), "a view: " + inPlace.getClass());
                assertEquals(300 << 10, inPlace.size());
                assertEquals(0, inPlace.byteAt((300 << 10) - 1), "readable while the scope is open");
            }
            IllegalStateException late = assertThrows(IllegalStateException.class, () -> inPlace.byteAt(0));
            assertTrue(late.getMessage().contains("closed"), late.getMessage());
            assertTrue(!copied.getClass().getName().contains("Nio"), "without the scope, a copy: " + copied.getClass());
            assertEquals(0, copied.byteAt(0));
            assertEquals(1000, smallOne.size());
            assertEquals(0, smallOne.byteAt(999), "a small response is a copy: it outlives the scope");
            try (InPlaceScope closed = InPlaceScope.open()) {
                closed.close();
                com.google.protobuf.ByteString after = stub.withOption(InPlaceScope.RESPONSES, closed).unaryCall(large)
                        .getPayload().getBody();
                assertEquals(0, after.byteAt(0), "a response after its scope closed is parsed as usual");
            }
        } finally {
            InteropServers.close(channel);
            server.stop();
        }
    }

    /**
     * A session may have only so many calls open at once: the next is refused with RESOURCE_EXHAUSTED, and a call may
     * open again once one has ended. A client that opens calls without end costs the server bounded memory.
     */
    @Test
    void aSessionHasAtMostTheCallsTheServerAllows() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir, "calls=3");
        ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir)).build();
        try {
            TestServiceGrpc.TestServiceBlockingStub blocking = TestServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
            List<StreamObserver<StreamingOutputCallRequest>> open = new ArrayList<>();
            List<Recorder<StreamingOutputCallResponse>> seen = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Recorder<StreamingOutputCallResponse> recorder = new Recorder<>();
                StreamObserver<StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(channel)
                        .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).fullDuplexCall(recorder);
                requests.onNext(StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(ResponseParameters.newBuilder().setSize(1)).build());
                recorder.next(); // open on the server: it answered
                open.add(requests);
                seen.add(recorder);
            }
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> blocking.emptyCall(Empty.getDefaultInstance()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
            open.get(0).onCompleted();
            assertEquals(Status.Code.OK, seen.get(0).status().getCode());
            assertEquals(Empty.getDefaultInstance(), blocking.emptyCall(Empty.getDefaultInstance()), "room again");
            for (int i = 1; i < 3; i++) {
                open.get(i).onCompleted();
                assertEquals(Status.Code.OK, seen.get(i).status().getCode());
            }
        } finally {
            InteropServers.close(channel);
            server.stop();
        }
    }
}
