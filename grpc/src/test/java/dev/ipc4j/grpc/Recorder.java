package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.ipc4j.testing.JvmChild;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What an async call saw: its responses in order, and its end. */
final class Recorder<T> implements StreamObserver<T> {
    private static final long WAIT_S = JvmChild.TIMEOUT.toSeconds();
    final BlockingQueue<T> responses = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    @Override
    public void onNext(T value) {
        responses.add(value);
    }

    @Override
    public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        end.complete(Status.OK);
    }

    /** The next response, waiting for it. */
    T next() throws InterruptedException {
        T v = responses.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull(v, "a response came");
        return v;
    }

    /** How the call ended, waiting for it. */
    Status status() throws Exception {
        return end.get(WAIT_S, TimeUnit.SECONDS);
    }
}
