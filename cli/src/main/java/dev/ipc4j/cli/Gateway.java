package dev.ipc4j.cli;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code ipc4j gateway}'s HTTP side: {@code POST /package.Service/Method} with a JSON body calls the method over the
 * gRPC channel (an ipc4j session) and answers JSON, as grpcurl or grpc-gateway would, with no generated code (the
 * schema comes from server reflection, {@link ReflectionSchema}).
 *
 * <ul>
 *   <li>Unary and client-streaming methods answer one JSON object ({@code application/json}); server-streaming and
 *       bidirectional ones answer newline-delimited JSON ({@code application/x-ndjson}), a line per message as it
 *       comes. A streaming request body is newline-delimited JSON too, a message per line.</li>
 *   <li>A failed call answers the gRPC status mapped to HTTP (grpc-gateway's table, {@link #httpStatus}) and one line
 *       {@code {"error":{"code":"NOT_FOUND","message":"..."}}}; a stream that fails after its first message ends with
 *       that line. An unknown method is 404, a body that is not the method's JSON 400, a verb other than POST 405.</li>
 *   <li>Flow control: the next response message is asked of the server only once the last one was written to the
 *       HTTP client, so a slow HTTP client slows the stream rather than filling memory.</li>
 * </ul>
 *
 * <p>Each HTTP exchange runs on a virtual thread of its own; closing stops the HTTP server (the channel is the
 * caller's).
 */
final class Gateway implements AutoCloseable {
    /** The largest request body taken. */
    static final int MAX_BODY = 64 << 20;

    private final Channel channel;
    private final ReflectionSchema schema;
    private final Duration deadline;
    private final HttpServer http;
    private final ExecutorService exchanges = Executors.newVirtualThreadPerTaskExecutor();
    private final JsonFormat.Printer printer;
    private final JsonFormat.Parser parser;

    private Gateway(Channel channel, ReflectionSchema schema, Duration deadline, HttpServer http) {
        this.channel = channel;
        this.schema = schema;
        this.deadline = deadline;
        this.http = http;
        this.printer = JsonFormat.printer().usingTypeRegistry(schema.types()).omittingInsignificantWhitespace()
                .alwaysPrintFieldsWithNoPresence();
        this.parser = JsonFormat.parser().usingTypeRegistry(schema.types());
    }

    /** Learns the server's methods by reflection, then serves HTTP at {@code address} (port 0: any free one). */
    static Gateway start(Channel channel, InetSocketAddress address, Duration deadline) throws IOException, InterruptedException {
        ReflectionSchema schema = ReflectionSchema.load(channel, deadline);
        HttpServer http = HttpServer.create(address, 64);
        Gateway g = new Gateway(channel, schema, deadline, http);
        http.createContext("/", g::handle);
        http.setExecutor(g.exchanges);
        http.start();
        return g;
    }

    /** Where it listens (the port chosen when asked for 0). */
    InetSocketAddress address() {
        return http.getAddress();
    }

    /** The methods served, by HTTP path. */
    List<String> paths() {
        return schema.paths();
    }

    @Override
    public void close() {
        http.stop(0);
        exchanges.close();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                ex.getResponseHeaders().add("Allow", "POST");
                fail(ex, 405, Status.Code.UNIMPLEMENTED, "use POST /package.Service/Method with a JSON body");
                return;
            }
            String path = ex.getRequestURI().getPath();
            Descriptors.MethodDescriptor method = schema.method(path).orElse(null);
            if (method == null) {
                fail(ex, 404, Status.Code.NOT_FOUND, "no method " + path + "; served: " + String.join(" ", schema.paths()));
                return;
            }
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(MAX_BODY + 1);
            }
            if (body.length > MAX_BODY) {
                fail(ex, 413, Status.Code.RESOURCE_EXHAUSTED, "the body is larger than " + MAX_BODY + " bytes");
                return;
            }
            List<DynamicMessage> requests;
            try {
                requests = requests(method, new String(body, StandardCharsets.UTF_8));
            } catch (InvalidProtocolBufferException e) {
                fail(ex, 400, Status.Code.INVALID_ARGUMENT, "the body is not JSON of " + method.getInputType().getFullName()
                        + ": " + e.getMessage());
                return;
            }
            call(ex, method, requests);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One message for a unary or server-streaming method (an empty body is the empty message), else one per line. */
    private List<DynamicMessage> requests(Descriptors.MethodDescriptor method, String body) throws InvalidProtocolBufferException {
        List<DynamicMessage> out = new ArrayList<>();
        List<String> parts = method.isClientStreaming() ? body.lines().filter(l -> !l.isBlank()).toList()
                : List.of(body.isBlank() ? "{}" : body);
        for (String part : parts) {
            DynamicMessage.Builder b = DynamicMessage.newBuilder(method.getInputType());
            parser.merge(part, b);
            out.add(b.build());
        }
        return out;
    }

    private void call(HttpExchange ex, Descriptors.MethodDescriptor method, List<DynamicMessage> requests)
            throws IOException, InterruptedException {
        MethodDescriptor<DynamicMessage, DynamicMessage> md = MethodDescriptor.<DynamicMessage, DynamicMessage>newBuilder()
                .setType(type(method))
                .setFullMethodName(MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName()))
                .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                .build();
        Responses responses = new Responses();
        StreamObserver<DynamicMessage> out = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)), responses);
        requests.forEach(out::onNext);
        out.onCompleted();
        boolean streaming = method.isServerStreaming();
        OutputStream body = null;
        while (true) {
            Object next = responses.events.poll(deadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
            if (next == null) { // the deadline should have ended the call: never wait past it for good
                responses.stream.cancel("the gateway gave up", null);
                next = Status.DEADLINE_EXCEEDED.withDescription("no end of the call within " + deadline);
            }
            if (next instanceof DynamicMessage m) {
                if (body == null) {
                    ex.getResponseHeaders().add("Content-Type", streaming ? "application/x-ndjson" : "application/json");
                    ex.sendResponseHeaders(200, 0); // chunked: lines go as they come
                    body = ex.getResponseBody();
                }
                body.write((printer.print(m) + "\n").getBytes(StandardCharsets.UTF_8));
                body.flush();
                responses.stream.request(1); // the next one only now: a slow HTTP client slows the stream
                continue;
            }
            Status s = (Status) next;
            if (body == null) {
                if (s.isOk()) {
                    ex.getResponseHeaders().add("Content-Type", streaming ? "application/x-ndjson" : "application/json");
                    ex.sendResponseHeaders(200, 0);
                    ex.getResponseBody().close();
                } else {
                    fail(ex, httpStatus(s.getCode()), s.getCode(), s.getDescription() == null ? "" : s.getDescription());
                }
            } else {
                if (!s.isOk()) {
                    body.write((error(s.getCode(), s.getDescription() == null ? "" : s.getDescription()) + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                }
                body.close();
            }
            return;
        }
    }

    private static MethodDescriptor.MethodType type(Descriptors.MethodDescriptor m) {
        if (m.isClientStreaming()) {
            return m.isServerStreaming() ? MethodDescriptor.MethodType.BIDI_STREAMING : MethodDescriptor.MethodType.CLIENT_STREAMING;
        }
        return m.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY;
    }

    /** A call's responses and its end, in order, for the exchange's thread; one message asked of the server at a time. */
    private static final class Responses implements ClientResponseObserver<DynamicMessage, DynamicMessage> {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>(); // DynamicMessage, then one Status
        volatile ClientCallStreamObserver<DynamicMessage> stream;

        @Override
        public void beforeStart(ClientCallStreamObserver<DynamicMessage> requestStream) {
            this.stream = requestStream;
            requestStream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(DynamicMessage value) {
            events.add(value);
        }

        @Override
        public void onError(Throwable t) {
            events.add(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            events.add(Status.OK);
        }
    }

    /** grpc-gateway's mapping of gRPC status codes to HTTP. */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> 200;
            case CANCELLED -> 499;
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case DEADLINE_EXCEEDED -> 504;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, ABORTED -> 409;
            case PERMISSION_DENIED -> 403;
            case UNAUTHENTICATED -> 401;
            case RESOURCE_EXHAUSTED -> 429;
            case UNIMPLEMENTED -> 501;
            case UNAVAILABLE -> 503;
            case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
        };
    }

    private static void fail(HttpExchange ex, int http, Status.Code code, String message) throws IOException {
        byte[] b = (error(code, message) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(http, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The one-line JSON error: {@code {"error":{"code":"NOT_FOUND","message":"..."}}}. */
    static String error(Status.Code code, String message) {
        return "{\"error\":{\"code\":" + dev.ipc4j.bench.harness.ResultFormat.quote(code.name()) + ",\"message\":"
                + dev.ipc4j.bench.harness.ResultFormat.quote(message.replace('\n', ' ')) + "}}";
    }
}
