package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.WaitMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * The copied baseline's client side, the same for both stacks: an 8-byte request written into a Unix stream socket,
 * the whole message read back into this process's own buffer (touched once here, so no page fault lands in the clock).
 * Blocking socket I/O whatever {@code --wait} says: two processes polling a socket without sleeping on 2 vCPUs made a
 * 1 GiB copy take 6-18 s instead of 0.3-0.5 s, which would flatter zero-copy for no good reason.
 */
final class CopiedBaseline implements AutoCloseable {
    /** Tells the server to serve {@code count} copied round trips on the socket. */
    @FunctionalInterface
    interface Start {
        void copies(long count) throws IOException;
    }

    private final SocketChannel socket;
    private final Arena arena = Arena.ofShared();
    private final long maxBytes;
    private final MemorySegment request = arena.allocate(DemoProtocol.COPY_REQUEST_BYTES);
    /**
     * Made (and zeroed: touched) before the first copied run's clock, not with the connection: a zero-copy pair of
     * {@code demo --cold} never needs it, and zeroing 1 GiB took a second of what it reports as the log-in.
     */
    private MemorySegment buffer;

    CopiedBaseline(SocketChannel socket, long maxBytes) {
        this.socket = socket;
        this.maxBytes = maxBytes;
    }

    DemoResult run(DemoOptions options, Progress progress, long size, long deadline, Start start)
            throws IOException, TimeoutException, CorruptMessageException {
        int iterations = options.copyIterations(size);
        int warmup = options.warmupFor(DemoMode.COPY, iterations);
        progress.step(ByteSizes.format(size) + " copy", warmup + iterations,
                String.format("%,d round trips after %,d of warm-up, over a Unix socket", iterations, warmup));
        if (buffer == null) {
            buffer = arena.allocate(maxBytes, 4096);
        }
        start.copies(warmup + iterations);
        MemorySegment into = buffer.asSlice(0, size);
        ByteBuffer requestBuffer = request.asByteBuffer();
        double work = Progress.work(size, DemoMode.COPY, 1);
        Histogram histogram = LatencyStats.newHistogram();
        for (int i = 0; i < warmup + iterations; i++) {
            requestBuffer.clear();
            long t0 = System.nanoTime();
            while (requestBuffer.hasRemaining()) {
                socket.write(requestBuffer);
            }
            SocketCopy.readFully(socket, into);
            long nanos = System.nanoTime() - t0;
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
        return new DemoResult(size, DemoMode.COPY, DemoStack.TRANSPORT, WaitMode.BLOCK, iterations, LatencyStats.of(histogram));
    }

    @Override
    public void close() {
        arena.close();
    }

    /**
     * The server side: the same message in the raw parts layout, built in the server's own memory (touched, so no page
     * faults land inside the baseline's clock either), written whole for every 8-byte request.
     */
    static final class Source implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment bytes;
        private final ByteBuffer request = ByteBuffer.allocateDirect(DemoProtocol.COPY_REQUEST_BYTES);

        Source(long size) {
            bytes = arena.allocate(size, 4096);
            PartsLayout.build(bytes, size);
        }

        /** Serves {@code count} copied round trips: read the 8-byte request, write every byte of the message. */
        void serve(SocketChannel socket, long count) throws IOException {
            for (long i = 0; i < count; i++) {
                request.clear();
                SocketCopy.readFully(socket, MemorySegment.ofBuffer(request));
                SocketCopy.writeAll(socket, bytes);
            }
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
