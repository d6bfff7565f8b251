package dev.ipc4j.bench.grpc;

import dev.ipc4j.bench.grpc.fbs.FlatBlob;
import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.grpc.FlatBuffer;
import dev.ipc4j.grpc.Ipc4jGrpc;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * bench grpc's FlatBuffers service, written as a user writes one ({@link FlatBuffer#marshaller}): {@code Echo} answers
 * with a FlatBlob holding the request's body, built where the call came from ({@link Ipc4jGrpc#ARENA}: the session's
 * memory over ipc4j, so it crosses as a handle; the heap over TCP and in process). Building the response writes the
 * body once, as a protobuf service's response is serialised once: the transports then differ only in what they add.
 */
final class FlatEchoService {
    static final MethodDescriptor.Marshaller<FlatBuffer> MARSHALLER = FlatBuffer.marshaller(FlatEchoService::verify);
    static final MethodDescriptor<FlatBuffer, FlatBuffer> ECHO = MethodDescriptor.<FlatBuffer, FlatBuffer>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName("ipc4j.bench.FlatEcho", "Echo"))
            .setRequestMarshaller(MARSHALLER).setResponseMarshaller(MARSHALLER).build();

    private FlatEchoService() {}

    /** grpc_bench.fbs's verifier: FlatBlob{body: [ubyte]}. */
    static void verify(MemorySegment buffer) {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, FlatBufferVerifier.Limits.DEFAULT);
        v.vectorField(v.root(null), 4, 1);
    }

    static ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder("ipc4j.bench.FlatEcho")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall(FlatEchoService::echo)).build();
    }

    /** A FlatBlob of {@code body} (position to limit), built in {@code arena} (null: on the heap). */
    static FlatBuffer blob(dev.ipc4j.shm.ShmArena arena, ByteBuffer body) {
        return FlatBuffer.build(arena, body.remaining() + 64, b -> FlatBlob.createFlatBlob(b, b.createByteVector(body)));
    }

    private static void echo(FlatBuffer request, StreamObserver<FlatBuffer> responses) {
        FlatBuffer response;
        try (request) {
            response = blob(Ipc4jGrpc.ARENA.get(), request.root(FlatBlob::getRootAsFlatBlob).bodyAsByteBuffer());
        }
        responses.onNext(response);
        responses.onCompleted();
    }
}
