package dev.ipc4j.bench.grpc;

import com.google.protobuf.ByteString;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * bench grpc's service, plain grpc-java code: {@code Echo} answers with the request's own body (no copy in the
 * handler: what a transport costs is what is measured), {@code Flood} streams one prebuilt body, respecting
 * {@code isReady()} as a well-behaved streaming service does.
 */
final class EchoService extends EchoBenchGrpc.EchoBenchImplBase {
    @Override
    public void echo(Blob request, StreamObserver<Blob> responses) {
        responses.onNext(request);
        responses.onCompleted();
    }

    @Override
    public void flood(StreamAsk request, StreamObserver<Blob> responses) {
        ServerCallStreamObserver<Blob> out = (ServerCallStreamObserver<Blob>) responses;
        Blob blob = Blob.newBuilder().setBody(ByteString.copyFrom(new byte[request.getSize()])).build();
        int[] sent = {0};
        out.setOnReadyHandler(() -> {
            while (out.isReady() && sent[0] < request.getCount()) {
                out.onNext(blob);
                sent[0]++;
            }
            if (sent[0] == request.getCount()) {
                sent[0]++; // once
                out.onCompleted();
            }
        });
    }
}
