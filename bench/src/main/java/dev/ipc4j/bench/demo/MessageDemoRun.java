package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.samples.flatbuffers.DemoCodec;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import dev.ipc4j.samples.flatbuffers.LazyBody;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.session.ClientSession;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * The client side of {@code ./ipc4j demo} on the full stack (the default, {@code --stack message}), in the launcher's
 * JVM: starts the server JVM ({@link MessageDemoServer}, a {@code SessionServer}), logs in as a {@link ClientSession}
 * with two init channels and runs a {@link MessageChannel} on each ({@link MessageDemo}). Per payload size: has the
 * server build the GetFileRsp in its session arena (not timed), times zero-copy round trips, then the copied baseline
 * over a Unix socket ({@link CopiedBaseline}).
 *
 * <p>A zero-copy round trip: the clock starts, the GetFileReq (one OutMessage in this session's arena, made before the
 * clock) is sent with {@code request(out, timeout)}, the server's handler replies with the pre-built GetFileRsp (a
 * handle crosses), and the clock stops when {@code root()} returned: the block is borrowed and {@link LazyBody}'s
 * shallow check (header, union, the parts vector's length) passed, so the root is held and readable. After the clock,
 * for the first and the last round trip: the whole buffer verified ({@link LazyBody#verifyAll()}) and every part's
 * XXH64 checked. Then the response is closed.
 */
final class MessageDemoRun {
    private final DemoOptions options;
    private final Progress progress;
    private final ClientSession session;
    private final MessageChannel<MemorySegment> control;
    private final MessageChannel<LazyBody> files;
    private final CopiedBaseline copy;
    private final long deadline;

    private MessageDemoRun(DemoOptions options, Progress progress, ClientSession session, MessageChannel<MemorySegment> control,
            MessageChannel<LazyBody> files, CopiedBaseline copy, long deadline) {
        this.options = options;
        this.progress = progress;
        this.session = session;
        this.control = control;
        this.files = files;
        this.copy = copy;
        this.deadline = deadline;
    }

    /** Runs every size of {@code options} in both modes; returns the results in order (zero-copy, copy per size). */
    static List<DemoResult> run(DemoOptions options, Progress progress) throws Exception {
        return ServerChild.run(options, MessageDemoServer.class, serverArgs(options),
                (ready, workDir, deadline) -> connected(options, progress, workDir, deadline, MessageDemoRun::allSizes));
    }

    /** The server's arguments for a run of {@code options} in a work directory. */
    static Function<Path, List<String>> serverArgs(DemoOptions options) {
        return workDir -> List.of(workDir.toString(), options.waitMode().label(), Long.toString(options.timeout().toSeconds()));
    }

    /** What a connected client does. */
    @FunctionalInterface
    interface Body<T> {
        T run(MessageDemoRun client) throws Exception;
    }

    /**
     * Logs in to the server that said READY in {@code workDir}, opens the two message channels and the copy socket,
     * runs {@code body}, and closes them all (which ends the server's loop: it closes everything and says DONE).
     */
    static <T> T connected(DemoOptions options, Progress progress, Path workDir, long deadline, Body<T> body) throws Exception {
        long maxSize = options.sizes().stream().mapToLong(Long::longValue).max().orElseThrow();
        try (ClientSession session = ClientSession.connect(MessageDemo.CLIENT, MessageDemo.server(workDir),
                    ClientSession.Config.DEFAULT.withInitChannels(2).withSession(MessageDemo.sessionConfig(options.waitMode())));
                MessageChannel<MemorySegment> control = MessageChannel.of(session, MessageDemo.CONTROL, RawCodec.INSTANCE);
                MessageChannel<LazyBody> files = MessageChannel.of(session, MessageDemo.FILES, DemoCodec.LAZY);
                SocketChannel copySocket = SocketChannel.open(UnixDomainSocketAddress.of(DemoProtocol.copySocket(workDir)));
                CopiedBaseline copy = new CopiedBaseline(copySocket, maxSize)) {
            return body.run(new MessageDemoRun(options, progress, session, control, files, copy, deadline));
        }
    }

    private List<DemoResult> allSizes() throws Exception {
        List<DemoResult> results = new ArrayList<>();
        for (long size : options.sizes()) {
            prepare(size);
            results.add(zeroCopy(size));
            results.add(copied(size));
            release();
        }
        return results;
    }

    /**
     * One size in one mode, as {@code options} count them: the server builds the response (not timed), the round
     * trips are timed, the server lets the response go. With {@code --iterations 1 --warmup 0} in a fresh pair of
     * processes, the one round trip timed is their very first ({@code demo --cold}).
     */
    DemoResult measure(long size, DemoMode mode) throws Exception {
        prepare(size);
        DemoResult result = mode == DemoMode.ZERO_COPY ? zeroCopy(size) : copied(size);
        release();
        return result;
    }

    /** The server builds the response of {@code size} in its session's shared memory and faults it in (not timed). */
    private void prepare(long size) throws IOException, InterruptedException, TimeoutException {
        progress.step(ByteSizes.format(size) + " build", 1, "the server builds the response in its session's shared memory and faults it in");
        try (OutMessage prepare = control.newMessage(16, MessageDemo.PREPARE)) {
            prepare.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, size);
            prepare.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 8, options.corruptPart());
            awaitAnswer(prepare);
        }
        progress.advance(0);
    }

    private DemoResult copied(long size) throws Exception {
        return copy.run(options, progress, size, deadline, count -> {
            try (OutMessage start = control.newMessage(8, MessageDemo.COPY)) {
                start.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, count);
                control.send(start);
            }
        });
    }

    private void release() throws IOException, InterruptedException, TimeoutException {
        try (OutMessage release = control.newMessage(0, MessageDemo.RELEASE)) {
            awaitAnswer(release);
        }
    }

    private void awaitAnswer(OutMessage request) throws IOException, InterruptedException, TimeoutException {
        try (InMessage<MemorySegment> answer = control.request(request, left())) {
            if (answer.type() != request.type()) {
                throw new IOException("the server answered type " + answer.type() + " to control message " + request.type());
            }
        }
    }

    private DemoResult zeroCopy(long size) throws IOException, InterruptedException, TimeoutException, CorruptMessageException {
        int iterations = options.zeroCopyIterations(size);
        int warmup = options.warmupFor(DemoMode.ZERO_COPY, iterations);
        int total = warmup + iterations;
        int parts = FileResponse.partCount(size);
        progress.step(ByteSizes.format(size) + " zero-copy", total,
                String.format("%,d round trips after %,d of warm-up, then every part verified", iterations, warmup));
        double work = Progress.work(size, DemoMode.ZERO_COPY, 1);
        Histogram histogram = LatencyStats.newHistogram();
        try (OutMessage request = DemoMessages.getFileReq(session.arena(), "file", size).toOutMessage(BodyMsg.GetFileReq)) {
            for (int i = 0; i < total; i++) {
                Duration timeout = left();
                long start = System.nanoTime();
                long nanos;
                try (InMessage<LazyBody> response = files.request(request, timeout)) {
                    LazyBody root = root(response);
                    nanos = System.nanoTime() - start; // the clock stops: the root is held and readable in place
                    if (root.partCount() != parts) {
                        throw new CorruptMessageException("a response of " + root.partCount() + " parts, expected " + parts);
                    }
                    if (!response.isShared()) {
                        throw new CorruptMessageException("the response came copied inline, not as a handle to shared memory");
                    }
                    // Outside the clock, first and last round trip (the server re-sends the same block, so that covers
                    // it): verifying after every one would put seconds of hashing between 1 GiB round trips but not
                    // between 100 KiB ones, and an idle gap that grows with the size would skew the comparison.
                    if (i == 0 || i == total - 1) {
                        verify(root);
                    }
                }
                if (i >= warmup) {
                    histogram.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
                }
                progress.advance(work);
            }
        }
        return new DemoResult(size, DemoMode.ZERO_COPY, DemoStack.MESSAGE, options.waitMode(), iterations, LatencyStats.of(histogram));
    }

    private static LazyBody root(InMessage<LazyBody> response) throws CorruptMessageException {
        try {
            LazyBody root = response.root();
            if (root.type() != BodyMsg.GetFileRsp) {
                throw new CorruptMessageException("the root is not a GetFileRsp but " + BodyMsg.name(root.type()));
            }
            return root;
        } catch (InvalidPayloadException e) {
            throw new CorruptMessageException("unreadable response: " + e.getMessage());
        }
    }

    /** The whole buffer verified, then every part against its size and hash, in place. */
    private static void verify(LazyBody root) throws CorruptMessageException {
        GetFileRsp rsp;
        try {
            root.verifyAll();
            rsp = root.getFileRsp();
        } catch (InvalidFlatBufferException e) {
            throw new CorruptMessageException("the response does not verify: " + e.getMessage());
        }
        if (rsp == null) {
            throw new CorruptMessageException("a GetFileRsp without a value");
        }
        FileResponse.checkParts(rsp);
    }

    /** What is left of the run's time, at least a millisecond. */
    private Duration left() throws TimeoutException {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw new TimeoutException("the run's timeout passed");
        }
        return Duration.ofNanos(Math.max(nanos, 1_000_000));
    }
}
