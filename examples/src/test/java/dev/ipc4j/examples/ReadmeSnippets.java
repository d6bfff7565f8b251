package dev.ipc4j.examples;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ArenaConfig;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.RetryPolicy;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.tap.Tap;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Runner;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The README's Java snippets, line for line (ReadmeSnippetsTest checks that every line of each snippet stands here, in
 * order), with the few names they leave to the reader defined below. What compiles here compiles there.
 */
final class ReadmeSnippets {
    static final int GET = 1;
    static final int FILE = 2;

    private ReadmeSnippets() {}

    // ----------------------------------------------------------------------- what the snippets leave to the reader

    static void fill(MemorySegment payload) {
        payload.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x1f1e_dead_beefL);
    }

    static long lastRead;

    static void read(MemorySegment payload) {
        lastRead = payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    static void serve(Channel channel) {
        // a real server would hand the channel to a MessageChannel; the snippet only shows where it comes from
    }

    // ----------------------------------------------------------------------------------------- Transport in one screen

    static void transportProcessA(Path runDirectory) throws Exception {
        Path socket = runDirectory.resolve("cache.sock");   // e.g. a directory under $XDG_RUNTIME_DIR
        // Process A
        try (Channel.Listener listener = Channel.listen(socket, 0600, Channel.Config.DEFAULT);
             Channel channel = listener.accept(Duration.ofSeconds(5))) {
            channel.blobs().receive(blob -> System.out.println(blob.length() + " bytes, read in place"), Duration.ofSeconds(5));
        }
    }

    static void transportProcessB(Path runDirectory) throws Exception {
        Path socket = runDirectory.resolve("cache.sock");   // e.g. a directory under $XDG_RUNTIME_DIR
        // Process B
        try (Channel channel = Channel.connect(socket, Channel.Config.DEFAULT)) {
            channel.blobs().send(MemorySegment.ofArray("hello".getBytes()));  // copied once, into the shared ring
        }
    }

    // ------------------------------------------------------------------------------------------ Sessions in one screen

    static void sessions(SessionHandle handleFromServer) throws Exception {
        // Both sides build the same descriptions (a shared class of constants).
        ClientApp web = ClientApp.named("web").build();
        ServerApp cache = ServerApp.named("cache").allowing(web).permissions(Permissions.GROUP).build();

        // Server process
        try (SessionServer server = SessionServer.start(cache)) {          // one per app on the host
            server.onSession(session -> {
                session.onEnd(end -> System.out.println("session " + session.id() + ": " + end));   // exactly once
                session.onChannel(request -> {                              // channels the client opens later
                    try {
                        serve(request.accept());
                    } catch (IOException | Ipc4jException e) {             // its set-up failed: the session goes on
                        System.out.println("channel " + request + " failed: " + e);
                    }
                });
                serve(session.channel(0));                                  // init channels, opened with the session
            });
            server.awaitShutdown();
        }

        // Client process
        try (ClientSession session = ClientSession.connect(web, cache, ClientSession.Config.DEFAULT.withInitChannels(1))) {
            Channel channel = session.channel(0);
            Channel more = session.openChannel("bulk".getBytes(), Duration.ofSeconds(5));   // on demand, either side
            Lease value = session.borrow(handleFromServer);                 // server memory, read in place
        }
    }

    // ------------------------------------------------------------------------------------------ Messages in one screen

    static void messages(Session session) throws Exception {
        try (MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
            ch.expectEvery(GET, req -> {                                   // inline on the runner's thread, in order
                try (req; OutMessage out = ch.newMessage(1 << 20, FILE)) { // allocated in the session's SHM
                    fill(out.payload());                                   // written once, in place
                    ch.reply(out, req);                                    // only a handle crosses; never waits here
                }
            });
            try (OutMessage q = ch.newMessage(64, GET);
                 InMessage<MemorySegment> rsp = ch.request(q, Duration.ofSeconds(2))) {   // or request(q): a future
                read(rsp.payload());                                       // in place, under a lease
            }
            awaitPeer.run(); // not in the README: both sides' snippets run together, each answering the other's GET
        }
    }

    /** Called before a {@link #messages} snippet closes its channel (the test makes both sides meet there). */
    static volatile Runnable awaitPeer = () -> { };

    // --------------------------------------------------------------------------------------------- Errors in one screen

    static int retries;
    static int reconnects;

    static void use(MemorySegment payload) {
        read(payload);
    }

    static void retryLater() {
        retries++;
    }

    static void reconnect() {
        reconnects++;
    }

    static void errors(MessageChannel<MemorySegment> ch) throws InterruptedException {
        try (OutMessage q = ch.newMessage(64, GET); InMessage<MemorySegment> rsp = ch.request(q, Duration.ofSeconds(1))) {
            use(rsp.payload());
        } catch (Ipc4jException e) {
            switch (e.category()) {
                case TIMEOUT, BACK_PRESSURE -> retryLater();               // the peer is slow: it may pass
                case PEER_GONE, CLOSED -> reconnect();                     // the session or channel is over
                default -> throw e;                                        // a forged frame, a bad handle, a full arena...
            }
        }
    }

    /** README, "Configuration in one screen": every configuration, made the one way; returns the runner to close. */
    static Runner configuration() {
        Runner runner = Runner.start(Runner.Config.DEFAULT.withName("cache-io").withThreadFactory(Thread.ofPlatform().factory()));
        SessionConfig session = SessionConfig.DEFAULT.withRunner(runner).withArenas(new ArenaConfig(256L << 20, 8L << 30));
        SessionServer.Config server = SessionServer.Config.DEFAULT.withSession(session).withMaxSessions(16);
        ClientSession.Config client = ClientSession.Config.DEFAULT.withInitChannels(2).withSession(session)
                .withRetry(RetryPolicy.every(Duration.ofMillis(50), Duration.ofSeconds(5)));
        MessageChannel.Config channel = MessageChannel.Config.DEFAULT.withRunner(runner).withInlineBelow(1024);
        ShmArena.Config arena = ShmArena.Config.of("cache", "blobs").withOwnership(ShmArena.Ownership.OWNED).withQuota(1L << 30);
        configured = List.of(server, client, channel, arena);
        return runner;
    }

    static volatile List<Record> configured = List.of();

    /** README, "Message tap": a server that lets the inspect app observe its messages (compiled here; the cli's InspectCommandTest runs one). */
    static void tap(ClientApp web) throws Exception {
        ServerApp cache = ServerApp.named("cache").allowing(web, ClientApp.named("inspect").build()).build();
        try (SessionServer server = SessionServer.start(cache);
             Tap tap = Tap.open(server, Tap.Config.DEFAULT)) {   // observers: the "inspect" app; 4 KiB of each payload
            server.awaitShutdown();
        }
    }
}
