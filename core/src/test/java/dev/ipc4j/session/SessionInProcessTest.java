package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.testing.RecordingThreadFactory;
import dev.ipc4j.transport.ProbeAgent;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.SocketPipe;
import dev.ipc4j.transport.WaitSet;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Session behaviour that needs no second process: the quick checks. */
class SessionInProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path runDir;

    @Test
    void initChannelsCarryTraffic() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            server.onSession(s -> Echo.serve(s.channel(0)));
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                    ClientSession.Config.DEFAULT.withInitChannels(1))) {
                Echo.drive(session.channel(0), 10, 1);
            }
        }
    }

    /**
     * Issue 13, defect 3: a channel request (OPEN) whose descriptor is not a socket ends the session as a protocol
     * violation and leaves no descriptor open (NoLeaks checks after the test). Before, the server released the handle,
     * failed to adopt it, and closed nothing: the descriptor stayed open in the server for good.
     */
    @Test
    void aChannelRequestWhoseDescriptorIsNotASocketEndsTheSessionAndLeaksNothing() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            CompletableFuture<SessionEnd> serverSide = new CompletableFuture<>();
            server.onSession(s -> s.ended().thenAccept(serverSide::complete));
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT);
                    EventFd notASocket = EventFd.create();
                    NativeHandle sent = NativeHandle.adopt(notASocket.fd().dup().release())) {
                ByteBuffer open = Control.encode(new Control.Open(1, new byte[0]), session.controlToken());
                SocketPipe control = (SocketPipe) session.controlChannel().blobs();
                control.send(MemorySegment.ofBuffer(open), sent); // the server gets a copy; ours closes with the test
                SessionEnd end = serverSide.get(30, TimeUnit.SECONDS);
                assertTrue(end instanceof SessionEnd.ProtocolViolation v && v.why().contains("usable socket"), String.valueOf(end));
                session.ended().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Issue 13, defect 8: a log-in that cannot be decoded is answered with the documented refusal (MALFORMED_LOGIN),
     * not a dropped socket, so the client can tell why.
     */
    @Test
    void aMalformedLogInIsRefusedWithItsReason() throws Exception {
        ServerApp app = Apps.cache(runDir);
        try (SessionServer server = SessionServer.start(app)) {
            java.nio.file.Path socketPath = RunDirectory.socket(app.resolvedRunDirectory(), app.name(), ProcessHandle.current().pid());
            UnixSocket socket = UnixSocket.connect(UnixAddress.of(socketPath));
            try (dev.ipc4j.transport.Channel control = Session.adoptChannel(socket, dev.ipc4j.transport.Channel.Role.CONNECTOR, SessionConfig.DEFAULT.control(), null, null)) {
                control.blobs().send(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5})); // no log-in at all
                Handshake.Received answer = Handshake.receive(control, 0, Duration.ofSeconds(30), "the refusal");
                assertTrue(answer.message() instanceof Control.Refused r && r.reason() == AccessDeniedException.Reason.MALFORMED_LOGIN,
                        String.valueOf(answer.message()));
            }
        }
    }

    /**
     * Issue 13, defect 7: a handle into the server's memory (its app arena, which every client can map, or its session
     * arena) is honoured only when the server lent that very block to that peer. A guessed one is a
     * InvalidHandleException (MALFORMED); before, the server read whatever block the handle named.
     */
    @Test
    void aHandleIntoTheServersMemoryIsHonouredOnlyWhenLentToThatPeer() throws Exception {
        ServerApp app = Apps.cache(runDir);
        try (SessionServer server = SessionServer.start(app)) {
            CompletableFuture<ServerSession> serverSide = new CompletableFuture<>();
            server.onSession(serverSide::complete);
            try (ClientSession client = ClientSession.connect(Apps.WEB, app, ClientSession.Config.DEFAULT)) {
                ServerSession s = serverSide.get(30, TimeUnit.SECONDS);
                dev.ipc4j.shm.ShmBlock secret = server.appArena().allocate(4096);
                dev.ipc4j.shm.ShmBlock lent = server.appArena().allocate(4096);
                dev.ipc4j.shm.ShmBlock mine = s.arena().allocate(4096);
                try {
                    secret.memory().fill((byte) 0x5E);
                    SessionHandle given = s.lend(lent);
                    SessionHandle guessedApp = new SessionHandle(SessionHandle.Scope.SERVER_APP, server.appArena().lend(secret));
                    SessionHandle guessedSession = new SessionHandle(SessionHandle.Scope.SERVER_SESSION, s.arena().lend(mine));
                    assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> s.borrow(guessedApp)).reason());
                    assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> s.borrow(guessedSession)).reason());
                    try (dev.ipc4j.shm.Lease back = s.borrow(given)) { // handed back by the peer it was lent to
                        assertEquals(4096, back.memory().byteSize());
                    }
                    try (dev.ipc4j.shm.Lease there = client.borrow(given)) { // the peer reads what it was lent
                        assertEquals(4096, there.memory().byteSize());
                    }
                } finally {
                    secret.close();
                    lent.close();
                    mine.close();
                }
            }
        }
    }

    /**
     * The peer's BYE followed, in the same read, by a frame that is no control message: the session still ends as the
     * peer asked and is released. Before, the BYE marked the session ending, the bad frame's error path then found it
     * ending and did nothing, and its socket, pidfd and memory stayed until the process ended ("still releasing").
     * The server's runner thread is held busy until both frames wait in its socket, so one read meets both.
     */
    @Test
    void aByeFollowedByGarbageInTheSameReadStillEndsAndReleasesTheSession() throws Exception {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch hold = new CountDownLatch(1);
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withName("ipc4j-test-held"))) {
            SessionServer.Config config = SessionServer.Config.DEFAULT.withSession(SessionConfig.DEFAULT.withRunner(runner));
            try (SessionServer server = SessionServer.start(Apps.cache(runDir), config)) {
                CompletableFuture<SessionEnd> serverSide = new CompletableFuture<>();
                server.onSession(s -> s.ended().thenAccept(serverSide::complete));
                try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT)) {
                    runner.attach(new ProbeAgent() {
                        @Override
                        public int doWork() {
                            if (!done) {
                                holding.countDown();
                                try {
                                    hold.await();
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                done = true;
                            }
                            return 0;
                        }
                    });
                    assertTrue(holding.await(30, TimeUnit.SECONDS));
                    SocketPipe control = (SocketPipe) session.controlChannel().blobs();
                    control.send(MemorySegment.ofBuffer(Control.encode(new Control.Bye(), session.controlToken())));
                    control.send(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})); // no control message
                    hold.countDown();
                    SessionEnd end = serverSide.get(30, TimeUnit.SECONDS);
                    assertTrue(end instanceof SessionEnd.ClosedByPeer, String.valueOf(end));
                    assertTrue(session.ended().get(30, TimeUnit.SECONDS) instanceof SessionEnd.ClosedByPeer,
                            "the server answered our BYE");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!server.sessions().isEmpty()) { // the answer goes out just before the release
                        assertTrue(System.nanoTime() - deadline < 0, "the server still holds " + server.sessions());
                        Thread.onSpinWait();
                    }
                }
            }
        }
    }

    /**
     * An idle session costs its runner a wake-up per check interval, not a busy loop. Before, the control reader
     * skipped its due checks (the peer's pidfd, the memory socket) while its socket had been found empty less than
     * 1 ms ago, yet asked the runner to wake when they were due: once they were, every sleep returned at once and
     * each empty sleep renewed "found empty", so the runner cycled (zero-timeout epoll_wait and yields) until one
     * cycle outlasted 1 ms: on an idle machine, a whole CPU. A probe on the same runner counts its sleeps; a message
     * channel that has carried a request rides on it too (its deadlines must not wake the runner in vain either).
     */
    @Test
    void anIdleSessionLetsItsRunnerSleepUntilItsChecksAreDue() throws Exception {
        long window = TimeUnit.MILLISECONDS.toNanos(450); // four pid-check periods and a half
        CountDownLatch watched = new CountDownLatch(1);
        AtomicLong sleeps = new AtomicLong();
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withName("ipc4j-test-idle"))) {
            SessionServer.Config config = SessionServer.Config.DEFAULT.withSession(SessionConfig.DEFAULT.withRunner(runner));
            try (SessionServer server = SessionServer.start(Apps.cache(runDir), config)) {
                CompletableFuture<Session> serverSide = new CompletableFuture<>();
                server.onSession(serverSide::complete);
                try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                                ClientSession.Config.DEFAULT.withInitChannels(1));
                        MessageChannel<MemorySegment> served = MessageChannel.of(serverSide.get(30, TimeUnit.SECONDS), 0, RawCodec.INSTANCE);
                        MessageChannel<MemorySegment> client = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                    // The server's message channel is on the same runner; one request through it leaves its state used.
                    served.expectEvery(1, m -> {
                        try (m; OutMessage answer = served.newMessage(8, 1)) {
                            served.send(answer, m);
                        }
                    });
                    try (OutMessage ask = client.newMessage(8, 1); InMessage<MemorySegment> answer = client.request(ask, Duration.ofSeconds(30))) {
                        assertEquals(1, answer.type());
                    }
                    runner.attach(new ProbeAgent() {
                        private long start;

                        @Override
                        public int doWork() {
                            long now = System.nanoTime();
                            if (start == 0) {
                                start = now;
                                sleeps.set(0);
                            } else if (now - start >= window && !done) {
                                done = true;
                                watched.countDown();
                            }
                            return 0;
                        }

                        @Override
                        public boolean prepareToSleep(WaitSet waits) {
                            if (!done) {
                                sleeps.incrementAndGet();
                                waits.wakeBy(start + window); // ends its watch on time even if nothing else wakes it
                            }
                            return true;
                        }
                    });
                    assertTrue(watched.await(30, TimeUnit.SECONDS));
                    assertTrue(session.isOpen());
                    // A sleep per 100 ms check interval and pid check: about 5 in the window; hundreds before the fix.
                    assertTrue(sleeps.get() <= 25, "the runner slept " + sleeps.get() + " times in "
                            + TimeUnit.NANOSECONDS.toMillis(window) + " ms of an idle session");
                }
            }
        }
    }

    /**
     * Every thread a server starts comes from {@link SessionServer.Config#threadFactory()}: its acceptor, a log-in's
     * thread, the closer of a session still open when the server closes, and its shutdown hook. Before, each was a
     * platform thread of its own making, whatever the application asked.
     */
    @Test
    void everyThreadAServerStartsComesFromItsThreadFactory() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory();
        String app;
        try (SessionServer server = SessionServer.start(Apps.cache(runDir), SessionServer.Config.DEFAULT.withThreadFactory(factory))) {
            app = server.app().name();
            CompletableFuture<Session> serverSide = new CompletableFuture<>();
            server.onSession(serverSide::complete);
            ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT);
            try {
                serverSide.get(30, TimeUnit.SECONDS);
                server.close(); // with the session open: a closer thread ends it
                assertTrue(session.ended().get(30, TimeUnit.SECONDS) instanceof SessionEnd.ClosedByPeer);
            } finally {
                session.close();
            }
        }
        List<String> names = factory.names();
        for (String expected : List.of("ipc4j-server-" + app, "ipc4j-server-" + app + "-shutdown", "ipc4j-login-" + app,
                "ipc4j-server-" + app + "-close")) {
            assertTrue(names.contains(expected), expected + " is not among the factory's threads: " + names);
        }
        assertEquals(4, names.size(), names.toString());
    }

    /** A thread factory that makes no thread fails the start clearly and leaves nothing in the run directory. */
    @Test
    void aServerWhoseThreadFactoryMakesNoThreadFailsToStartAndLeavesNothing() throws Exception {
        SessionServer.Config config = SessionServer.Config.DEFAULT.withThreadFactory(r -> null);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SessionServer.start(Apps.cache(runDir), config));
        assertTrue(e.getMessage().contains("thread factory"), e.getMessage());
        try (var left = Files.list(runDir)) {
            List<String> names = left.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".lock")).toList();
            assertEquals(List.of(), names, "no socket or pid file of a server that never served");
        }
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) { // and the app can start at once
            assertTrue(server.sessions().isEmpty());
        }
    }
}
