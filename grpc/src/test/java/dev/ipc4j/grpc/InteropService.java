package dev.ipc4j.grpc;

import com.google.protobuf.ByteString;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EchoStatus;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.Payload;
import io.grpc.testing.integration.ResponseParameters;
import io.grpc.testing.integration.SimpleRequest;
import io.grpc.testing.integration.SimpleResponse;
import io.grpc.testing.integration.StreamingInputCallRequest;
import io.grpc.testing.integration.StreamingInputCallResponse;
import io.grpc.testing.integration.StreamingOutputCallRequest;
import io.grpc.testing.integration.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The interop TestService as gRPC's interop servers behave: payloads of the sizes asked, a status echoed when asked,
 * responses spaced by {@code interval_us} (on a timer, never a sleeping handler). {@code response_size} -1 makes the
 * handler throw (which every transport must turn into UNKNOWN); -2 keeps the request's bytes past the call and -3 reads
 * them back (for requests parsed in place).
 */
final class InteropService extends TestServiceGrpc.TestServiceImplBase {
    static final Metadata.Key<String> ECHO_INITIAL = Metadata.Key.of("x-grpc-test-echo-initial",
            Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<byte[]> ECHO_TRAILING = Metadata.Key.of("x-grpc-test-echo-trailing-bin",
            Metadata.BINARY_BYTE_MARSHALLER);
    /** The deadline the handler saw, in its Context, as milliseconds left (-1: none), in the response's headers. */
    static final Metadata.Key<String> DEADLINE_SEEN = Metadata.Key.of("x-deadline-ms", Metadata.ASCII_STRING_MARSHALLER);
    /** The peer's address as the transport gave it to an interceptor, in the response's headers. */
    static final Metadata.Key<String> PEER_SEEN = Metadata.Key.of("x-peer", Metadata.ASCII_STRING_MARSHALLER);

    private final ScheduledExecutorService timer;
    /** A request's bytes kept past its call ({@code response_size} -2 keeps, -3 reads them back). */
    private volatile ByteString kept;

    InteropService(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    static Payload zeros(int size) {
        return Payload.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }

    @Override
    public void emptyCall(Empty request, StreamObserver<Empty> responses) {
        responses.onNext(Empty.getDefaultInstance());
        responses.onCompleted();
    }

    @Override
    public void unaryCall(SimpleRequest request, StreamObserver<SimpleResponse> responses) {
        if (request.getResponseSize() == -2) { // keeps the request's bytes; answers with the class that holds them
            kept = request.getPayload().getBody();
            responses.onNext(SimpleResponse.newBuilder().setPayload(Payload.newBuilder()
                    .setBody(ByteString.copyFromUtf8(kept.getClass().getSimpleName()))).build());
            responses.onCompleted();
            return;
        }
        if (request.getResponseSize() == -3) { // reads the kept bytes, after their call
            try {
                responses.onNext(SimpleResponse.newBuilder().setPayload(Payload.newBuilder()
                        .setBody(ByteString.copyFromUtf8("read " + kept.toByteArray().length))).build());
                responses.onCompleted();
            } catch (IllegalStateException e) {
                responses.onError(Status.FAILED_PRECONDITION.withDescription("released: " + e.getMessage())
                        .asRuntimeException());
            }
            return;
        }
        if (request.getResponseSize() < 0) {
            throw new IllegalArgumentException("a handler that throws");
        }
        if (request.hasResponseStatus() && request.getResponseStatus().getCode() != 0) {
            responses.onError(status(request.getResponseStatus()).asRuntimeException());
            return;
        }
        responses.onNext(SimpleResponse.newBuilder().setPayload(zeros(request.getResponseSize())).build());
        responses.onCompleted();
    }

    private static Status status(EchoStatus s) {
        return Status.fromCodeValue(s.getCode()).withDescription(s.getMessage());
    }

    @Override
    public void streamingOutputCall(StreamingOutputCallRequest request,
            StreamObserver<StreamingOutputCallResponse> responses) {
        respond(request.getResponseParametersList(), 0, (ServerCallStreamObserver<StreamingOutputCallResponse>) responses,
                true);
    }

    /** Sends the responses from {@code next} on, each after its interval; completes after the last if asked. */
    private void respond(List<ResponseParameters> params, int next, ServerCallStreamObserver<StreamingOutputCallResponse> out,
            boolean complete) {
        for (int i = next; i < params.size(); i++) {
            if (out.isCancelled()) {
                return;
            }
            ResponseParameters p = params.get(i);
            if (p.getIntervalUs() > 0) {
                int from = i;
                timer.schedule(() -> {
                    synchronized (out) {
                        send(out, params.get(from));
                        respond(params, from + 1, out, complete);
                    }
                }, p.getIntervalUs(), TimeUnit.MICROSECONDS);
                return;
            }
            send(out, p);
        }
        if (complete) {
            out.onCompleted();
        }
    }

    private static void send(ServerCallStreamObserver<StreamingOutputCallResponse> out, ResponseParameters p) {
        if (!out.isCancelled()) {
            out.onNext(StreamingOutputCallResponse.newBuilder().setPayload(zeros(p.getSize())).build());
        }
    }

    @Override
    public StreamObserver<StreamingInputCallRequest> streamingInputCall(
            StreamObserver<StreamingInputCallResponse> responses) {
        return new StreamObserver<>() {
            int total;

            @Override
            public void onNext(StreamingInputCallRequest r) {
                total += r.getPayload().getBody().size();
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                responses.onNext(StreamingInputCallResponse.newBuilder().setAggregatedPayloadSize(total).build());
                responses.onCompleted();
            }
        };
    }

    @Override
    public StreamObserver<StreamingOutputCallRequest> fullDuplexCall(
            StreamObserver<StreamingOutputCallResponse> responses) {
        ServerCallStreamObserver<StreamingOutputCallResponse> out =
                (ServerCallStreamObserver<StreamingOutputCallResponse>) responses;
        return new StreamObserver<>() {
            boolean ended;

            @Override
            public void onNext(StreamingOutputCallRequest r) {
                if (ended) {
                    return;
                }
                if (r.hasResponseStatus() && r.getResponseStatus().getCode() != 0) {
                    ended = true;
                    out.onError(status(r.getResponseStatus()).asRuntimeException());
                    return;
                }
                synchronized (out) {
                    respond(r.getResponseParametersList(), 0, out, false);
                }
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                synchronized (out) {
                    if (!ended) {
                        out.onCompleted();
                    }
                }
            }
        };
    }

    @Override
    public StreamObserver<StreamingOutputCallRequest> halfDuplexCall(
            StreamObserver<StreamingOutputCallResponse> responses) {
        List<StreamingOutputCallRequest> requests = new ArrayList<>();
        return new StreamObserver<>() {
            @Override
            public void onNext(StreamingOutputCallRequest r) {
                requests.add(r);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {
                for (StreamingOutputCallRequest r : requests) {
                    for (ResponseParameters p : r.getResponseParametersList()) {
                        responses.onNext(StreamingOutputCallResponse.newBuilder().setPayload(zeros(p.getSize())).build());
                    }
                }
                responses.onCompleted();
            }
        };
    }

    /**
     * As gRPC's interop servers: echoes x-grpc-test-echo-initial into the response headers and
     * x-grpc-test-echo-trailing-bin into the trailers; adds what the call's Context and attributes told the server.
     */
    static final class EchoMetadata implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            String initial = headers.get(ECHO_INITIAL);
            byte[] trailing = headers.get(ECHO_TRAILING);
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            String peer = String.valueOf(call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    if (initial != null) {
                        responseHeaders.put(ECHO_INITIAL, initial);
                    }
                    responseHeaders.put(DEADLINE_SEEN, deadline == null ? "-1"
                            : Long.toString(deadline.timeRemaining(TimeUnit.MILLISECONDS)));
                    responseHeaders.put(PEER_SEEN, peer);
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    if (trailing != null) {
                        trailers.put(ECHO_TRAILING, trailing);
                    }
                    super.close(status, trailers);
                }
            }, headers);
        }
    }
}
