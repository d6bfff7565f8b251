package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ChildSide;
import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.samples.flatbuffers.DemoCodec;
import dev.ipc4j.samples.flatbuffers.LazyBody;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The server JVM of the full-stack demo ({@code --stack message}, the default), started by {@link MessageDemoRun}: a
 * {@link SessionServer} for one client session, answering on two {@link MessageChannel}s as {@link MessageDemo}
 * describes, and the copied baseline on a Unix socket.
 *
 * <p>Arguments: {@code WORK_DIR WAIT TIMEOUT_SECONDS}. Lines on stdout: {@code READY} once listening, {@code DONE} after
 * the client ended the session and everything is closed, {@code FAIL <reason>} on error (exit code 1). It never outlives
 * the client: it halts when its stdin reaches end of file, or after the timeout.
 */
public final class MessageDemoServer implements AutoCloseable {
    private static final Duration SLICE = Duration.ofMillis(100);

    /** A control message for the main thread, or the end of the session ({@code message == null}). */
    private record Command(InMessage<MemorySegment> message) {}

    private final ServerSession session;
    private final SocketChannel copySocket;
    private final long deadline;
    private final BlockingQueue<Command> commands = new LinkedBlockingQueue<>();
    private final MessageChannel<MemorySegment> control;
    private final MessageChannel<LazyBody> files;
    private volatile OutMessage response; // the GetFileRsp of the current size, re-sent for every request
    private CopiedBaseline.Source copy;

    private MessageDemoServer(ServerSession session, SocketChannel copySocket, long deadline) {
        this.session = session;
        this.copySocket = copySocket;
        this.deadline = deadline;
        session.onEnd(end -> commands.add(new Command(null)));
        this.control = MessageChannel.of(session, MessageDemo.CONTROL, RawCodec.INSTANCE);
        this.files = MessageChannel.of(session, MessageDemo.FILES, DemoCodec.LAZY);
        // Control: building 1 GiB or serving copies takes seconds, so the handler only hands the message on.
        for (int type : new int[] {MessageDemo.PREPARE, MessageDemo.COPY, MessageDemo.RELEASE}) {
            control.expectEvery(type, m -> commands.add(new Command(m)));
        }
        // Files: answered in the handler, zero-copy. The request is small and checked completely by root().
        files.expectEvery(BodyMsg.GetFileReq, req -> {
            try (req) {
                req.root();
                OutMessage file = response;
                if (file == null) {
                    throw new IllegalStateException("a GetFileReq before PREPARE");
                }
                files.reply(file, req); // the same block every time: only its handle crosses
            }
        });
    }

    public static void main(String[] args) {
        Path workDir = Path.of(args[0]);
        WaitMode wait = WaitMode.parse(args[1]);
        Duration timeout = Duration.ofSeconds(Long.parseLong(args[2]));
        ChildSide.haltWithParent(timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        Path copyPath = DemoProtocol.copySocket(workDir);
        try (SessionServer server = SessionServer.start(MessageDemo.server(workDir),
                    SessionServer.Config.DEFAULT.withSession(MessageDemo.sessionConfig(wait)));
                ServerSocketChannel copyListener = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            copyListener.bind(UnixDomainSocketAddress.of(copyPath));
            ChildSide.say("READY");
            ServerSession session = server.accept(timeout);
            try (SocketChannel copySocket = copyListener.accept();
                    MessageDemoServer demo = new MessageDemoServer(session, copySocket, deadline)) {
                demo.serve();
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

    /** Carries out control messages until the client ends the session. */
    private void serve() throws IOException, InterruptedException {
        while (true) {
            Command command = commands.poll(SLICE.toMillis(), TimeUnit.MILLISECONDS);
            if (command == null) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException("the client sent nothing before the run's timeout");
                }
                continue;
            }
            if (command.message() == null) {
                return;
            }
            try (InMessage<MemorySegment> m = command.message()) {
                MemorySegment payload = m.payload();
                switch (m.type()) {
                    case MessageDemo.PREPARE -> {
                        prepare(payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0), (int) payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 8));
                        answer(m);
                    }
                    case MessageDemo.COPY -> {
                        if (copy == null) {
                            throw new IOException("COPY before PREPARE");
                        }
                        copy.serve(copySocket, payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    }
                    case MessageDemo.RELEASE -> {
                        release();
                        answer(m);
                    }
                    default -> throw new IOException("unknown control message type " + m.type());
                }
            }
        }
    }

    /** Builds the response in the session's arena (faulting it in) and the copied baseline's bytes, before any clock. */
    private void prepare(long bytes, int corruptPart) {
        release();
        response = FileResponse.build(session.arena(), bytes, corruptPart).toOutMessage(BodyMsg.GetFileRsp);
        copy = new CopiedBaseline.Source(bytes);
    }

    private void answer(InMessage<MemorySegment> request) throws IOException {
        try (OutMessage done = control.newMessage(0, request.type())) {
            control.reply(done, request);
        }
    }

    private void release() {
        OutMessage r = response;
        response = null;
        if (r != null) {
            r.close();
        }
        if (copy != null) {
            copy.close();
            copy = null;
        }
    }

    @Override
    public void close() {
        try {
            files.close();
            control.close();
        } finally {
            release();
        }
    }
}
