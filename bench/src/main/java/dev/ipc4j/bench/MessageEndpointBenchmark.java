package dev.ipc4j.bench;

import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageEndpoint;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.session.SessionServer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The message layer's own CPU cost per request/response, with no waiting and no thread hand-off in it: a session with
 * both ends in this process, both channels caller-driven ({@link MessageEndpoint#poll}) on the benchmark thread. One
 * operation: offer a request, poll the server's endpoint (its handler replies inline), poll the client's until the
 * response came, close it. Compare with {@code PipeBenchmark}'s bare ring (two sends and two polls) for what the layer
 * adds, and run with {@code -prof gc} for what it allocates per round trip. Cross-process latency is
 * {@code ./ipc4j bench messages}'.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MessageEndpointBenchmark {
    private static final int GET = 1;

    /** Inline (64 B: copied in the frame) or shared memory (4 KiB and more: a handle crosses). */
    @Param({"64", "4096"})
    public int bytes;

    /** Live counters on (the default: what {@code ipc4j stat} reads) or off (private memory), for their cost. */
    @Param({"true", "false"})
    public boolean counters;

    private Path runDir;
    private SessionServer server;
    private ClientSession client;
    private MessageEndpoint<MemorySegment> serverSide;
    private MessageEndpoint<MemorySegment> clientSide;
    private OutMessage request;
    private OutMessage response;
    private InMessage<MemorySegment> got;

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        runDir = Files.createTempDirectory("ipc4j-jmh-messages-");
        ClientApp web = ClientApp.named("jmhweb").build();
        ServerApp app = ServerApp.named("jmhmessages").allowing(web).permissions(Permissions.USER).runDirectory(runDir)
                .build();
        server = SessionServer.start(app, SessionServer.Config.DEFAULT.withSession(SessionConfig.DEFAULT.withCounters(counters)));
        client = ClientSession.connect(web, app, ClientSession.Config.DEFAULT.withInitChannels(1)
                .withSession(SessionConfig.DEFAULT.withCounters(counters)));
        ServerSession session = server.accept(Duration.ofSeconds(20));
        serverSide = MessageEndpoint.over(session, session.channel(0), RawCodec.INSTANCE, MessageChannel.Config.DEFAULT);
        clientSide = MessageEndpoint.over(client, client.channel(0), RawCodec.INSTANCE, MessageChannel.Config.DEFAULT);
        response = serverSide.newMessage(bytes, GET);
        response.payload().fill((byte) 2);
        request = clientSide.newMessage(bytes, GET);
        request.payload().fill((byte) 1);
        serverSide.expectEvery(GET, req -> {
            try (req) {
                serverSide.reply(response, req); // inside poll: never waits (the ring has room here)
            }
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        request.close();
        response.close();
        clientSide.close();
        serverSide.close();
        client.close();
        server.close();
        FileTrees.delete(runDir);
    }

    @Benchmark
    public long requestAndResponse() throws Exception {
        var future = clientSide.request(request);
        while (!future.isDone()) {
            serverSide.poll(8);
            clientSide.poll(8);
        }
        try (InMessage<MemorySegment> rsp = future.get()) {
            return rsp.payload().get(ValueLayout.JAVA_BYTE, 0);
        }
    }
}
