package dev.ipc4j.grpc;

import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.grpc.fbs.Blob;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A service of FlatBuffers methods (blob.fbs), written as a user writes one: the method descriptors with
 * {@link FlatBuffer#marshaller}, responses built with {@link FlatBuffer#build} in {@link Ipc4jGrpc#ARENA}.
 *
 * <p>{@code Echo}: the response is a Blob whose data is the request's and whose id reports what the service saw: the
 * request's id times 16, plus 1 when the request was read in place, 2 when it came over an ipc4j session (the Context
 * had an arena), 4 when reading it after its close threw (as it must when it was read in place). {@code HandlesSent}:
 * how many messages this process sent as handles so far, as the id of an empty Blob.
 */
final class BlobService {
    static final MethodDescriptor.Marshaller<FlatBuffer> MARSHALLER = FlatBuffer.marshaller(BlobService::verify);
    static final MethodDescriptor<FlatBuffer, FlatBuffer> ECHO = method("Echo");
    static final MethodDescriptor<FlatBuffer, FlatBuffer> HANDLES_SENT = method("HandlesSent");

    private BlobService() {}

    /** The verifier a user writes for blob.fbs: Blob{id: ulong, data: [ubyte]}. */
    static void verify(MemorySegment buffer) {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, FlatBufferVerifier.Limits.DEFAULT);
        int blob = v.root(null);
        v.field(blob, 4, 8);
        v.vectorField(blob, 6, 1);
    }

    static ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder("ipc4j.test.Blobs")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall(BlobService::echo))
                .addMethod(HANDLES_SENT, ServerCalls.asyncUnaryCall((request, responses) -> {
                    request.close();
                    responses.onNext(blob(null, Payloads.HANDLES_SENT.sum(), ByteBuffer.allocate(0)));
                    responses.onCompleted();
                }))
                .build();
    }

    /** A Blob of {@code id} and {@code data} (position to limit), built in {@code arena} (null: on the heap). */
    static FlatBuffer blob(dev.ipc4j.shm.ShmArena arena, long id, ByteBuffer data) {
        return FlatBuffer.build(arena, data.remaining() + 64, b -> Blob.createBlob(b, id, b.createByteVector(data)));
    }

    private static void echo(FlatBuffer request, StreamObserver<FlatBuffer> responses) {
        Blob blob = request.root(Blob::getRootAsBlob);
        long seen = blob.id() * 16 + (request.isInPlace() ? 1 : 0) + (Ipc4jGrpc.ARENA.get() != null ? 2 : 0);
        ByteBuffer data = ByteBuffer.allocate(blob.dataLength()).put(blob.dataAsByteBuffer()).flip(); // kept past the close
        ByteBuffer kept = request.buffer();
        request.close();
        try {
            kept.get(0);
        } catch (IllegalStateException expected) {
            seen += 4;
        }
        responses.onNext(blob(Ipc4jGrpc.ARENA.get(), seen, data));
        responses.onCompleted();
    }

    private static MethodDescriptor<FlatBuffer, FlatBuffer> method(String name) {
        return MethodDescriptor.<FlatBuffer, FlatBuffer>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("ipc4j.test.Blobs", name))
                .setRequestMarshaller(MARSHALLER).setResponseMarshaller(MARSHALLER).build();
    }
}
