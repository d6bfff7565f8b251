package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.transport.BlobHandler;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The client side of {@code ./ipc4j demo --stack transport}, the raw-transport rows, in the launcher's JVM: below the
 * session and message layers, a hand-rolled protocol ({@link DemoProtocol}) over a {@code transport.Channel} and a
 * {@link ZeroCopyMode} that lends its arena's blocks by hand. Starts the server JVM ({@link TransportDemoServer}), then
 * for each payload size has the server build the response, times zero-copy round trips (request sent until the client
 * holds the response's root), verifies every part, then times the same bytes copied over a Unix socket
 * ({@link CopiedBaseline}).
 *
 * <p>Whatever fails, the channel is closed first (the server then ends by itself and removes its shared memory), then
 * {@link ServerChild} reaps or kills the server JVM and deletes the work directory.
 */
public final class TransportDemoRun implements AutoCloseable {
    private static final Duration SLICE = Duration.ofMillis(100);

    private final DemoOptions options;
    private final Progress progress;
    private final BlobPipe pipe;
    private final ZeroCopyMode.Client zeroCopy;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request = arena.allocate(DemoProtocol.CONTROL_BYTES);
    private final MemorySegment control = arena.allocate(DemoProtocol.CONTROL_BYTES);
    private final CopiedBaseline copy;
    private final long deadline;
    private int replyLength;
    private long replyOp;
    private CorruptMessageException replyFailure;
    private final BlobHandler onReply;
    private final BlobHandler onControl = blob -> {
        replyLength = blob.length();
        replyOp = blob.length() >= 8 ? blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset()) : -1;
    };

    private TransportDemoRun(DemoOptions options, Progress progress, Channel channel, SocketChannel copySocket, ZeroCopyMode.Client zeroCopy,
            long deadline) {
        this.options = options;
        this.progress = progress;
        this.pipe = channel.blobs();
        this.zeroCopy = zeroCopy;
        this.deadline = deadline;
        this.onReply = blob -> {
            try {
                // The clock stops right after this: the handle is borrowed and the root read in place.
                zeroCopy.receiveRoot(blob.buffer(), blob.offset(), blob.length());
            } catch (CorruptMessageException e) {
                replyFailure = e;
            }
        };
        this.copy = new CopiedBaseline(copySocket, options.sizes().stream().mapToLong(Long::longValue).max().orElseThrow());
        DemoProtocol.write(request, DemoProtocol.REQUEST, 0, 0);
    }

    /** Runs every size of {@code options} in both modes; returns the results in order (zero-copy, copy per size). */
    public static List<DemoResult> run(DemoOptions options, Progress progress) throws Exception {
        ZeroCopyMode mode = ZeroCopyModes.named(options.zeroCopy());
        return ServerChild.run(options, TransportDemoServer.class, workDir -> List.of(workDir.toString(), mode.name(),
                options.waitMode().label(), Long.toString(options.timeout().toSeconds())), (attachInfo, workDir, deadline) -> {
            try (Channel channel = Channel.connect(DemoProtocol.channelSocket(workDir), DemoProtocol.config(options.waitMode()));
                    SocketChannel copySocket = SocketChannel.open(UnixDomainSocketAddress.of(DemoProtocol.copySocket(workDir)));
                    ZeroCopyMode.Client zeroCopy = mode.openClient(attachInfo);
                    TransportDemoRun run = new TransportDemoRun(options, progress, channel, copySocket, zeroCopy, deadline)) {
                List<DemoResult> results = run.allSizes();
                channel.blobs().endSending();
                return results;
            }
        });
    }

    private List<DemoResult> allSizes() throws IOException, TimeoutException, CorruptMessageException {
        List<DemoResult> results = new ArrayList<>();
        for (long size : options.sizes()) {
            String name = ByteSizes.format(size);
            progress.step(name + " build", 1, "the server builds the response in shared memory and faults it in");
            sendControl(DemoProtocol.PREPARE, size, options.corruptPart());
            awaitControl(DemoProtocol.PREPARE);
            progress.advance(0);
            results.add(zeroCopy(size));
            results.add(copy.run(options, progress, size, deadline, count -> sendControl(DemoProtocol.COPY, count, 0)));
            sendControl(DemoProtocol.RELEASE, 0, 0);
            awaitControl(DemoProtocol.RELEASE);
        }
        return results;
    }

    private DemoResult zeroCopy(long size) throws IOException, TimeoutException, CorruptMessageException {
        int iterations = options.zeroCopyIterations(size);
        int warmup = options.warmupFor(DemoMode.ZERO_COPY, iterations);
        int total = warmup + iterations;
        progress.step(ByteSizes.format(size) + " zero-copy", total,
                String.format("%,d round trips after %,d of warm-up, then every part verified", iterations, warmup));
        double work = Progress.work(size, DemoMode.ZERO_COPY, 1);
        Histogram histogram = LatencyStats.newHistogram();
        for (int i = 0; i < total; i++) {
            long nanos = zeroCopyRoundTrip();
            try {
                // Outside the clock. Every round trip checked the handle and the root; the parts are checked after the
                // first and the last round trip (the server re-lends the same pre-built block, so that covers it).
                // Verifying after every one would put seconds of hashing between 1 GiB round trips but not between
                // 100 KiB ones, and an idle gap that grows with the size would skew the size comparison.
                if (i == 0 || i == total - 1) {
                    zeroCopy.verify();
                }
            } finally {
                zeroCopy.release();
            }
            if (i >= warmup) {
                histogram.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
            }
            progress.advance(work);
        }
        return new DemoResult(size, DemoMode.ZERO_COPY, DemoStack.TRANSPORT, options.waitMode(), iterations, LatencyStats.of(histogram));
    }

    /** One timed zero-copy round trip: request out, handle back, borrowed, root read in place. */
    private long zeroCopyRoundTrip() throws IOException, TimeoutException, CorruptMessageException {
        replyFailure = null;
        long start = System.nanoTime();
        pipe.send(request);
        receive(onReply);
        long nanos = System.nanoTime() - start;
        if (replyFailure != null) {
            throw replyFailure;
        }
        return nanos;
    }

    private void sendControl(long op, long a, long b) throws IOException {
        DemoProtocol.write(control, op, a, b);
        pipe.send(control);
    }

    private void awaitControl(long op) throws IOException, TimeoutException {
        receive(onControl);
        if (replyLength != DemoProtocol.CONTROL_BYTES || replyOp != op) {
            throw new IOException("the server answered " + replyOp + " (" + replyLength + " bytes), expected " + op);
        }
    }

    /** Waits for one message (the channel's wait strategy decides how) until the run's deadline. */
    private void receive(BlobHandler handler) throws IOException, TimeoutException {
        while (true) {
            Receipt receipt = pipe.receive(handler, SLICE);
            if (receipt == Receipt.MESSAGE) {
                return;
            }
            if (receipt == Receipt.ENDED) {
                throw new EOFException("the server ended the channel");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("no answer from the server before the run's timeout");
            }
        }
    }

    @Override
    public void close() {
        try {
            copy.close();
        } finally {
            arena.close();
        }
    }
}
