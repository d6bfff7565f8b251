package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EchoStatus;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.ResponseParameters;
import io.grpc.testing.integration.SimpleRequest;
import io.grpc.testing.integration.SimpleResponse;
import io.grpc.testing.integration.StreamingInputCallRequest;
import io.grpc.testing.integration.StreamingInputCallResponse;
import io.grpc.testing.integration.StreamingOutputCallRequest;
import io.grpc.testing.integration.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.UnimplementedServiceGrpc;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * gRPC's interop cases that apply to a transport (empty and large unary, client and server streaming, ping-pong, empty
 * stream, cancel after begin and after the first response, timeout on a sleeping server, custom metadata, status code
 * and message, unimplemented method and service), plus a handler that throws. One suite, run by a subclass per
 * transport against the same service ({@link InteropService}).
 */
abstract class InteropCases {
    private static final long WAIT_S = JvmChild.TIMEOUT.toSeconds();

    /** The channel to the service, over the transport under test. */
    abstract Channel channel();

    private TestServiceGrpc.TestServiceBlockingStub blocking() {
        return TestServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
    }

    private TestServiceGrpc.TestServiceStub async() {
        return TestServiceGrpc.newStub(channel()).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
    }

    /** A raw unary call that has sent its request and not half-closed; its close completes {@code end}. */
    private ClientCall<SimpleRequest, SimpleResponse> unaryWithoutHalfClose(CallOptions options,
            CompletableFuture<Status> end) {
        ClientCall<SimpleRequest, SimpleResponse> call = channel().newCall(TestServiceGrpc.getUnaryCallMethod(), options);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                end.complete(status);
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(SimpleRequest.newBuilder().setResponseSize(1).build());
        return call;
    }

    private static StreamingOutputCallRequest asking(int... sizes) {
        StreamingOutputCallRequest.Builder b = StreamingOutputCallRequest.newBuilder();
        for (int size : sizes) {
            b.addResponseParameters(ResponseParameters.newBuilder().setSize(size));
        }
        return b.build();
    }

    @Test
    void emptyUnary() {
        assertEquals(Empty.getDefaultInstance(), blocking().emptyCall(Empty.getDefaultInstance()));
    }

    @Test
    void largeUnary() {
        SimpleResponse r = blocking().unaryCall(SimpleRequest.newBuilder().setResponseSize(314_159)
                .setPayload(InteropService.zeros(271_828)).build());
        assertEquals(314_159, r.getPayload().getBody().size());
    }

    @Test
    void clientStreaming() throws Exception {
        Recorder<StreamingInputCallResponse> rec = new Recorder<>();
        StreamObserver<StreamingInputCallRequest> requests = async().streamingInputCall(rec);
        for (int size : new int[] {27_182, 8, 1_828, 45_904}) {
            requests.onNext(StreamingInputCallRequest.newBuilder().setPayload(InteropService.zeros(size)).build());
        }
        requests.onCompleted();
        assertEquals(74_922, rec.next().getAggregatedPayloadSize());
        assertTrue(rec.status().isOk(), rec.status().toString());
    }

    @Test
    void serverStreaming() {
        Iterator<StreamingOutputCallResponse> it = blocking().streamingOutputCall(asking(31_415, 9, 2_653, 58_979));
        for (int size : new int[] {31_415, 9, 2_653, 58_979}) {
            assertEquals(size, it.next().getPayload().getBody().size());
        }
        assertFalse(it.hasNext());
    }

    @Test
    void pingPong() throws Exception {
        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        StreamObserver<StreamingOutputCallRequest> requests = async().fullDuplexCall(rec);
        int[] in = {27_182, 8, 1_828, 45_904};
        int[] out = {31_415, 9, 2_653, 58_979};
        for (int i = 0; i < in.length; i++) {
            requests.onNext(asking(out[i]).toBuilder().setPayload(InteropService.zeros(in[i])).build());
            assertEquals(out[i], rec.next().getPayload().getBody().size(), "the answer to ping " + i);
        }
        requests.onCompleted();
        assertTrue(rec.status().isOk(), rec.status().toString());
    }

    @Test
    void emptyStream() throws Exception {
        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        async().fullDuplexCall(rec).onCompleted();
        assertTrue(rec.status().isOk(), rec.status().toString());
        assertTrue(rec.responses.isEmpty());
    }

    @Test
    void cancelAfterBegin() throws Exception {
        Recorder<StreamingInputCallResponse> rec = new Recorder<>();
        ClientCallStreamObserver<StreamingInputCallRequest> requests =
                (ClientCallStreamObserver<StreamingInputCallRequest>) async().streamingInputCall(rec);
        requests.cancel("cancelled by the test", null);
        assertEquals(Status.Code.CANCELLED, rec.status().getCode());
    }

    @Test
    void cancelAfterFirstResponse() throws Exception {
        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        ClientCallStreamObserver<StreamingOutputCallRequest> requests =
                (ClientCallStreamObserver<StreamingOutputCallRequest>) async().fullDuplexCall(rec);
        requests.onNext(asking(31_415).toBuilder().setPayload(InteropService.zeros(27_182)).build());
        assertEquals(31_415, rec.next().getPayload().getBody().size());
        requests.cancel("cancelled by the test", null);
        assertEquals(Status.Code.CANCELLED, rec.status().getCode());
    }

    @Test
    void timeoutOnSleepingServer() throws Exception {
        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        StreamObserver<StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(channel())
                .withDeadlineAfter(1, TimeUnit.MILLISECONDS).fullDuplexCall(rec);
        requests.onNext(StreamingOutputCallRequest.newBuilder().setPayload(InteropService.zeros(27_182)).build());
        assertEquals(Status.Code.DEADLINE_EXCEEDED, rec.status().getCode(), rec.status().toString());
    }

    /** A unary call whose caller sends its request but never half-closes still ends at its deadline. */
    @Test
    void aUnaryCallThatNeverHalfClosesEndsAtItsDeadline() throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        unaryWithoutHalfClose(CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), end);
        Status status = end.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, status.getCode(), status.toString());
    }

    @Test
    void aServerStreamSpacedBeyondItsDeadlineEndsWithDeadlineExceeded() {
        StreamingOutputCallRequest slow = StreamingOutputCallRequest.newBuilder()
                .addResponseParameters(ResponseParameters.newBuilder().setSize(1))
                .addResponseParameters(ResponseParameters.newBuilder().setSize(1).setIntervalUs(5_000_000)).build();
        Iterator<StreamingOutputCallResponse> it = TestServiceGrpc.newBlockingStub(channel())
                .withDeadlineAfter(300, TimeUnit.MILLISECONDS).streamingOutputCall(slow);
        assertEquals(1, it.next().getPayload().getBody().size());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, it::next);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }

    @Test
    void customMetadata() throws Exception {
        Metadata sent = new Metadata();
        sent.put(InteropService.ECHO_INITIAL, "test_initial_metadata_value");
        sent.put(InteropService.ECHO_TRAILING, new byte[] {(byte) 0xab, (byte) 0xab, (byte) 0xab});
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        Channel ch = ClientInterceptors.intercept(channel(), MetadataUtils.newAttachHeadersInterceptor(sent),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        SimpleResponse r = TestServiceGrpc.newBlockingStub(ch).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
                .unaryCall(SimpleRequest.newBuilder().setResponseSize(314_159).setPayload(InteropService.zeros(271_828))
                        .build());
        assertEquals(314_159, r.getPayload().getBody().size());
        assertEquals("test_initial_metadata_value", headers.get().get(InteropService.ECHO_INITIAL));
        assertArrayEquals(new byte[] {(byte) 0xab, (byte) 0xab, (byte) 0xab}, trailers.get().get(InteropService.ECHO_TRAILING));

        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        StreamObserver<StreamingOutputCallRequest> requests = TestServiceGrpc.newStub(ch)
                .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).fullDuplexCall(rec);
        requests.onNext(asking(314_159).toBuilder().setPayload(InteropService.zeros(271_828)).build());
        assertEquals(314_159, rec.next().getPayload().getBody().size());
        requests.onCompleted();
        assertTrue(rec.status().isOk());
        assertEquals("test_initial_metadata_value", headers.get().get(InteropService.ECHO_INITIAL));
        assertArrayEquals(new byte[] {(byte) 0xab, (byte) 0xab, (byte) 0xab}, trailers.get().get(InteropService.ECHO_TRAILING));
    }

    @Test
    void statusCodeAndMessage() throws Exception {
        EchoStatus echo = EchoStatus.newBuilder().setCode(2).setMessage("test status message").build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> blocking().unaryCall(SimpleRequest.newBuilder().setResponseStatus(echo).build()));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertEquals("test status message", e.getStatus().getDescription());

        Recorder<StreamingOutputCallResponse> rec = new Recorder<>();
        StreamObserver<StreamingOutputCallRequest> requests = async().fullDuplexCall(rec);
        requests.onNext(StreamingOutputCallRequest.newBuilder().setResponseStatus(echo).build());
        requests.onCompleted();
        Status s = rec.status();
        assertEquals(Status.Code.UNKNOWN, s.getCode());
        assertEquals("test status message", s.getDescription());
    }

    @Test
    void aHandlerThatThrowsEndsTheCallWithUnknown() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> blocking().unaryCall(SimpleRequest.newBuilder().setResponseSize(-1).build()));
        assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
        assertEquals(Empty.getDefaultInstance(), blocking().emptyCall(Empty.getDefaultInstance()), "the server goes on");
    }

    @Test
    void unimplementedMethod() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> blocking().unimplementedCall(Empty.getDefaultInstance()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    @Test
    void unimplementedService() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> UnimplementedServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
                        .unimplementedCall(Empty.getDefaultInstance()));
        assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
    }

    /** Tools call services by name: server reflection lists them and describes one; health says the service serves. */
    @Test
    void reflectionAndHealthWork() throws Exception {
        Recorder<ServerReflectionResponse> rec = new Recorder<>();
        StreamObserver<ServerReflectionRequest> ask = ServerReflectionGrpc.newStub(channel())
                .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS).serverReflectionInfo(rec);
        ask.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        java.util.Set<String> names = new java.util.TreeSet<>();
        rec.next().getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
        assertTrue(names.containsAll(List.of("grpc.testing.TestService", "grpc.health.v1.Health",
                "grpc.reflection.v1.ServerReflection")), names.toString());
        ask.onNext(ServerReflectionRequest.newBuilder().setFileContainingSymbol("grpc.testing.TestService").build());
        assertFalse(rec.next().getFileDescriptorResponse().getFileDescriptorProtoList().isEmpty(),
                "the schema of TestService");
        ask.onCompleted();
        assertTrue(rec.status().isOk());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel())
                .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService("grpc.testing.TestService").build()).getStatus());
    }

    /** Many calls at once on one channel, each answered with its own size. */
    @Test
    void manyConcurrentCalls() throws Exception {
        List<com.google.common.util.concurrent.ListenableFuture<SimpleResponse>> calls = new java.util.ArrayList<>();
        TestServiceGrpc.TestServiceFutureStub stub = TestServiceGrpc.newFutureStub(channel())
                .withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
        for (int i = 0; i < 200; i++) {
            calls.add(stub.unaryCall(SimpleRequest.newBuilder().setResponseSize(i * 100).build()));
        }
        for (int i = 0; i < calls.size(); i++) {
            assertEquals(i * 100, calls.get(i).get(WAIT_S, TimeUnit.SECONDS).getPayload().getBody().size());
        }
    }

    /**
     * A client that reads one response at a time (manual flow control) gets a 2,000-message server stream whole and in
     * order: the server is held back by the client's requests, not buffered without bound.
     */
    @Test
    void manualFlowControlReadsALongStreamInOrder() throws Exception {
        int count = 2_000;
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = i % 64;
        }
        CompletableFuture<Status> end = new CompletableFuture<>();
        BlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        async().streamingOutputCall(asking(sizes), new ClientResponseObserver<StreamingOutputCallRequest,
                StreamingOutputCallResponse>() {
            ClientCallStreamObserver<StreamingOutputCallRequest> call;

            @Override
            public void beforeStart(ClientCallStreamObserver<StreamingOutputCallRequest> requestStream) {
                call = requestStream;
                requestStream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(StreamingOutputCallResponse value) {
                got.add(value.getPayload().getBody().size());
                call.request(1);
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
        Status status = end.get(WAIT_S, TimeUnit.SECONDS);
        assertTrue(status.isOk(), status.toString());
        assertEquals(count, got.size());
        for (int i = 0; i < count; i++) {
            assertEquals(i % 64, got.poll(), "response " + i);
        }
    }

    /** A unary call cancelled after its request but before its half-close ends CANCELLED, and the channel goes on. */
    @Test
    void aUnaryCallCancelledBeforeItsHalfCloseEndsCancelled() throws Exception {
        CompletableFuture<Status> end = new CompletableFuture<>();
        unaryWithoutHalfClose(CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS), end)
                .cancel("changed my mind", null);
        Status s = end.get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(Status.Code.CANCELLED, s.getCode());
        assertEquals("changed my mind", s.getDescription());
        assertEquals(Empty.getDefaultInstance(), blocking().emptyCall(Empty.getDefaultInstance()));
    }

    /** A raw ClientCall: request(n) before start is refused, and nothing is delivered beyond what was requested. */
    @Test
    void nothingIsDeliveredBeyondWhatWasRequested() throws Exception {
        ClientCall<StreamingOutputCallRequest, StreamingOutputCallResponse> call = channel().newCall(
                TestServiceGrpc.getStreamingOutputCallMethod(), CallOptions.DEFAULT.withDeadlineAfter(WAIT_S,
                        TimeUnit.SECONDS));
        assertThrows(IllegalStateException.class, () -> call.request(1));
        BlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        CompletableFuture<Status> end = new CompletableFuture<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(StreamingOutputCallResponse message) {
                got.add(message.getPayload().getBody().size());
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                end.complete(status);
            }
        }, new Metadata());
        call.sendMessage(asking(1, 2, 3, 4, 5));
        call.halfClose();
        call.request(2);
        assertEquals(1, got.poll(WAIT_S, TimeUnit.SECONDS));
        assertEquals(2, got.poll(WAIT_S, TimeUnit.SECONDS));
        // The stream ends successfully only after every message was delivered: with 3 still unrequested, it waits.
        assertFalse(end.isDone(), "the close waits for the messages before it");
        assertTrue(got.isEmpty(), "no third message before it was requested");
        call.request(3);
        assertEquals(Status.Code.OK, end.get(WAIT_S, TimeUnit.SECONDS).getCode());
        assertEquals(List.of(3, 4, 5), List.copyOf(got));
    }
}
