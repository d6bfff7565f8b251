package dev.ipc4j.bench;

import dev.ipc4j.transport.BlobHandler;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.TransportException;
import dev.ipc4j.transport.WaitStrategy;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-message cost of each pipe's hot path with no waiting in it: send one message and poll it out on the same
 * thread (both ends of a channel in this process). Run with {@code -prof gc} to see that the steady state allocates
 * nothing. Cross-process latency is the round-trip harness's job ({@code ./ipc4j bench small}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PipeBenchmark {
    @Param({"ring", "socket"})
    public String pipe;

    @Param({"64"})
    public int bytes;

    private Channel[] channels;
    private BlobPipe sender;
    private BlobPipe receiver;
    private MemorySegment message;
    private final long[] sink = new long[1];
    private final BlobHandler handler = blob -> sink[0] += blob.buffer().get(ValueLayout.JAVA_BYTE, blob.offset());

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Channel.Config config = (pipe.equals("ring") ? Channel.Config.DEFAULT : Channel.Config.SOCKET_ONLY)
                .withWait(WaitStrategy.busySpin());
        channels = Channel.pair(config);
        sender = channels[1].blobs();
        receiver = channels[0].blobs();
        message = Arena.ofAuto().allocate(bytes, 8);
        message.fill((byte) 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        channels[1].close();
        channels[0].close();
    }

    @Benchmark
    public long sendAndPoll() throws TransportException {
        sender.send(message);
        while (receiver.poll(handler, 1) == 0) {
            Thread.onSpinWait(); // a socket may need a moment to hand the bytes over
        }
        return sink[0];
    }
}
