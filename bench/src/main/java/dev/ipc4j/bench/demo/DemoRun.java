package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.shm.ShmSweeper;
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
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * The client side of {@code ./ipc4j demo}, in the launcher's JVM: starts the server JVM ({@link DemoServer}), then for
 * each payload size has the server build the response, times zero-copy round trips (request sent until the client holds
 * the response's root), verifies every part, then times the same bytes copied over a Unix socket. The copied baseline
 * always uses blocking socket I/O, whatever {@code --wait} says: two processes polling a socket without sleeping on
 * 2 vCPUs made a 1 GiB copy take 6-18 s instead of 0.3-0.5 s, which would flatter zero-copy for no good reason.
 *
 * <p>Whatever fails, the channel is closed first (the server then ends by itself and removes its shared memory), the
 * server JVM is reaped or killed, and the work directory deleted. A watchdog kills the server when the run overstays its
 * timeout, which wakes every wait here (the channel reports the peer gone, the socket reaches end of file).
 */
public final class DemoRun implements AutoCloseable {
    private static final Duration SLICE = Duration.ofMillis(100);

    private final DemoOptions options;
    private final Progress progress;
    private final BlobPipe pipe;
    private final SocketChannel copySocket;
    private final ZeroCopyMode.Client zeroCopy;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment request = arena.allocate(DemoProtocol.CONTROL_BYTES);
    private final MemorySegment control = arena.allocate(DemoProtocol.CONTROL_BYTES);
    private final MemorySegment copyRequest = arena.allocate(DemoProtocol.COPY_REQUEST_BYTES);
    private final MemorySegment copyBuffer;
    private final long deadline;
    private int replyLength;
    private long replyOp;
    private CorruptMessageException replyFailure;
    private final BlobHandler onReply;
    private final BlobHandler onControl = blob -> {
        replyLength = blob.length();
        replyOp = blob.length() >= 8 ? blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset()) : -1;
    };

    private DemoRun(DemoOptions options, Progress progress, Channel channel, SocketChannel copySocket, ZeroCopyMode.Client zeroCopy,
            long deadline) {
        this.options = options;
        this.progress = progress;
        this.pipe = channel.blobs();
        this.copySocket = copySocket;
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
        // The client's own buffer for the copied baseline, touched once here so no page fault lands in its clock.
        this.copyBuffer = arena.allocate(options.sizes().stream().mapToLong(Long::longValue).max().orElseThrow(), 4096);
        DemoProtocol.write(request, DemoProtocol.REQUEST, 0, 0);
    }

    /** Runs every size of {@code options} in both modes; returns the results in order (zero-copy, copy per size). */
    public static List<DemoResult> run(DemoOptions options, Progress progress) throws IOException, TimeoutException, InterruptedException,
            CorruptMessageException {
        ZeroCopyMode mode = ZeroCopyModes.named(options.zeroCopy());
        long deadline = System.nanoTime() + options.timeout().toNanos();
        Path workDir = Files.createTempDirectory("ipc4j-demo-");
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("demo-watchdog").unstarted(r));
        AtomicBoolean timedOut = new AtomicBoolean();
        long serverPid = -1;
        try (ChildJvm server = ChildJvm.start(List.of(), DemoServer.class, List.of(workDir.toString(), mode.name(), options.waitMode().label(),
                Long.toString(options.timeout().toSeconds())), workDir.resolve("server.stderr"))) {
            serverPid = server.pid();
            watchdog.schedule(() -> {
                timedOut.set(true);
                server.process().destroyForcibly();
            }, options.timeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                String attachInfo = server.expect("READY", deadline);
                List<DemoResult> results;
                try (Channel channel = Channel.connect(DemoProtocol.channelSocket(workDir), DemoProtocol.config(options.waitMode()));
                        SocketChannel copySocket = SocketChannel.open(UnixDomainSocketAddress.of(DemoProtocol.copySocket(workDir)));
                        ZeroCopyMode.Client zeroCopy = mode.openClient(attachInfo);
                        DemoRun run = new DemoRun(options, progress, channel, copySocket, zeroCopy, deadline)) {
                    results = run.allSizes();
                    channel.blobs().endSending();
                }
                server.expect("DONE", deadline);
                server.awaitExit(deadline);
                return results;
            } catch (IOException | TimeoutException | CorruptMessageException | RuntimeException e) {
                // The channel is closed by now, so a healthy server ends by itself and removes its shared memory: give
                // it a moment before the ChildJvm's close kills it. Its stderr often says what went wrong.
                server.process().waitFor(10, TimeUnit.SECONDS);
                String tail = server.stderrTail();
                if (!tail.isEmpty()) {
                    e.addSuppressed(new IOException("server side:" + tail));
                }
                if (timedOut.get()) {
                    // What broke here is only the consequence (a socket closed, the peer gone): say the cause.
                    TimeoutException timeout = new TimeoutException("the run took longer than --timeout " + options.timeout().toSeconds()
                            + " s, so the server was killed (" + e.getMessage() + ")");
                    timeout.initCause(e);
                    throw timeout;
                }
                throw e;
            }
        } finally {
            watchdog.shutdownNow();
            if (serverPid != -1) {
                removeLeftovers(serverPid);
            }
            FileTrees.delete(workDir);
        }
    }

    /**
     * A server that was killed (timeout, or a failure it did not survive) could not remove its shared memory; the
     * objects are named after its pid, so remove exactly those, now that it is dead. A clean run leaves nothing to find.
     */
    private static void removeLeftovers(long serverPid) throws IOException {
        for (ShmSweeper.Found f : ShmSweeper.scan(ShmSweeper.Places.standard())) {
            if (f.ownerPid() == serverPid && f.removable()) {
                Files.deleteIfExists(f.path());
            }
        }
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
            results.add(copied(size));
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
        return new DemoResult(size, DemoMode.ZERO_COPY, options.waitMode(), iterations, LatencyStats.of(histogram));
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

    private DemoResult copied(long size) throws IOException, TimeoutException, CorruptMessageException {
        int iterations = options.copyIterations(size);
        int warmup = options.warmupFor(DemoMode.COPY, iterations);
        progress.step(ByteSizes.format(size) + " copy", warmup + iterations,
                String.format("%,d round trips after %,d of warm-up, over a Unix socket", iterations, warmup));
        sendControl(DemoProtocol.COPY, warmup + iterations, 0);
        MemorySegment into = copyBuffer.asSlice(0, size);
        ByteBuffer requestBuffer = copyRequest.asByteBuffer();
        double work = Progress.work(size, DemoMode.COPY, 1);
        Histogram histogram = LatencyStats.newHistogram();
        for (int i = 0; i < warmup + iterations; i++) {
            requestBuffer.clear();
            long start = System.nanoTime();
            while (requestBuffer.hasRemaining()) {
                copySocket.write(requestBuffer);
            }
            SocketCopy.readFully(copySocket, into);
            long nanos = System.nanoTime() - start;
            if (i == 0 || i == warmup + iterations - 1) {
                PartsLayout.verify(into); // the baseline moved the real message (first and last, to keep the run short)
            }
            if (i >= warmup) {
                histogram.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
            }
            progress.advance(work);
            if (System.nanoTime() - deadline > 0) {
                throw new TimeoutException("the run's timeout passed during the copied baseline of " + ByteSizes.format(size));
            }
        }
        return new DemoResult(size, DemoMode.COPY, WaitMode.BLOCK, iterations, LatencyStats.of(histogram));
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
        arena.close();
    }
}
