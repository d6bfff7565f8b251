package dev.ipc4j.transport;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Threads;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * {@link BlobPipe#deliverTo}: a thread of the pipe's own, from the given factory, receives (blocking system calls: a
 * virtual thread would pin its carrier), copies each message, and hands the copy to the user's executor.
 */
final class Delivery {
    private Delivery() {}

    static CompletableFuture<Void> start(BlobPipe pipe, BlobHandler handler, Executor executor, ThreadFactory threadFactory) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread receiver = Threads.newThread(threadFactory, "the", "ipc4j-deliver-" + pipe, () -> {
            BlobHandler copier = blob -> {
                byte[] bytes = blob.toArray();
                List<NativeHandle> handles = blob.handles();
                executor.execute(() -> {
                    BlobView copy = new BlobView();
                    copy.wrap(MemorySegment.ofArray(bytes), 0, bytes.length, handles);
                    handler.onBlob(copy);
                });
            };
            try {
                while (pipe.receive(copier, WaitStrategy.CHECK_INTERVAL) != Receipt.ENDED) {
                    // each MESSAGE went to the executor; TIMED_OUT just loops
                }
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        receiver.start();
        return done;
    }
}
