package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildSide;
import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.transport.BlobHandler;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The server JVM of {@code ./ipc4j demo --stack transport} (the raw-transport rows), started by
 * {@link TransportDemoRun}: answers requests as {@link DemoProtocol} describes, zero-copy
 * through a {@link ZeroCopyMode} and copied over a Unix socket.
 *
 * <p>Arguments: {@code WORK_DIR ZERO_COPY_MODE WAIT TIMEOUT_SECONDS}. Lines on stdout: {@code READY <attach info>} once
 * listening, {@code DONE} after the client ended the channel and everything is closed, {@code FAIL <reason>} on error
 * (exit code 1). It never outlives the client: it halts when its stdin reaches end of file, or after the timeout.
 */
public final class TransportDemoServer {
    private static final Duration SLICE = Duration.ofMillis(100);

    private final Channel channel;
    private final BlobPipe pipe;
    private final SocketChannel copySocket;
    private final ZeroCopyMode.Server zeroCopy;
    private final MemorySegment control = Arena.global().allocate(DemoProtocol.CONTROL_BYTES);
    private final MemorySegment reply;
    private final long deadline;
    private long op;
    private long argA;
    private long argB;
    private final BlobHandler onControl = blob -> {
        if (blob.length() != DemoProtocol.CONTROL_BYTES) {
            throw new IllegalStateException("a control message of " + blob.length() + " bytes");
        }
        op = blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset());
        argA = blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset() + 8);
        argB = blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset() + 16);
    };
    private CopiedBaseline.Source copy;

    private TransportDemoServer(Channel channel, SocketChannel copySocket, ZeroCopyMode.Server zeroCopy, long deadline) {
        this.channel = channel;
        this.pipe = channel.blobs();
        this.copySocket = copySocket;
        this.zeroCopy = zeroCopy;
        this.reply = Arena.global().allocate(zeroCopy.handleBytes());
        this.deadline = deadline;
    }

    public static void main(String[] args) {
        Path workDir = Path.of(args[0]);
        ZeroCopyMode mode = ZeroCopyModes.named(args[1]);
        WaitMode wait = WaitMode.parse(args[2]);
        Duration timeout = Duration.ofSeconds(Long.parseLong(args[3]));
        ChildSide.haltWithParent(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ZeroCopyMode.Server zeroCopy = mode.openServer("demo");
                Channel.Listener listener = Channel.listen(DemoProtocol.channelSocket(workDir), 0600, DemoProtocol.config(wait));
                ServerSocketChannel copyListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            Path copyPath = DemoProtocol.copySocket(workDir);
            copyListener.bind(UnixDomainSocketAddress.of(copyPath));
            ChildSide.say("READY " + zeroCopy.attachInfo());
            try (Channel channel = listener.accept(timeout);
                    SocketChannel copySocket = copyListener.accept()) {
                new TransportDemoServer(channel, copySocket, zeroCopy, deadline).serve();
            } finally {
                Files.deleteIfExists(copyPath);
            }
        } catch (Exception | LinkageError e) {
            e.printStackTrace();
            ChildSide.say("FAIL " + e.toString().replace('\n', ' '));
            System.exit(1);
        }
        ChildSide.say("DONE");
    }

    /** Answers control messages until the client ends the channel. */
    private void serve() throws IOException {
        try {
            while (true) {
                Receipt receipt = pipe.receive(onControl, SLICE);
                if (receipt == Receipt.ENDED) {
                    return;
                }
                if (receipt == Receipt.TIMED_OUT) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("the client sent nothing before the run's timeout");
                    }
                    continue;
                }
                if (op == DemoProtocol.REQUEST) {
                    zeroCopy.lend(reply, 0); // re-lent each time: the same pre-built block, only its handle is written
                    pipe.send(reply);
                } else if (op == DemoProtocol.PREPARE) {
                    prepare(argA, (int) argB);
                } else if (op == DemoProtocol.COPY) {
                    serveCopies(argA);
                } else if (op == DemoProtocol.RELEASE) {
                    release();
                    DemoProtocol.write(control, DemoProtocol.RELEASE, 0, 0);
                    pipe.send(control);
                } else {
                    throw new IOException("unknown control message " + op);
                }
            }
        } finally {
            release();
        }
    }

    private void prepare(long bytes, int corruptPart) throws IOException {
        release();
        zeroCopy.build(bytes, corruptPart);
        copy = new CopiedBaseline.Source(bytes);
        DemoProtocol.write(control, DemoProtocol.PREPARE, bytes, 0);
        pipe.send(control);
    }

    /** Serves {@code count} copied round trips. */
    private void serveCopies(long count) throws IOException {
        if (copy == null) {
            throw new IOException("COPY before PREPARE");
        }
        copy.serve(copySocket, count);
    }

    private void release() {
        zeroCopy.release();
        if (copy != null) {
            copy.close();
            copy = null;
        }
    }
}
