package dev.ipc4j.session;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The far end of the session tests: args are a scenario, the run directory, then the scenario's own. */
public final class SessionChild {
    static final Duration WAIT = Duration.ofSeconds(60);

    private SessionChild() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[1]);
        switch (args[0]) {
            case "client" -> client(runDir, Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            case "hold" -> hold(runDir);
            case "server" -> server(runDir);
            case "login" -> login(runDir, args[2]);
            case "forge" -> forge(runDir, args[2]);
            case "start-server" -> startServer(runDir);
            case "flood" -> flood(runDir, Integer.parseInt(args[2]));
            case "open-not-socket" -> openNotSocket(runDir);
            case "malformed-login" -> malformedLogin(runDir);
            case "hand-back" -> handBack(runDir);
            case "mute-server" -> muteServer(runDir);
            case "stalling-server" -> stallingServer(runDir);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Logs in as web with {@code init} init channels, accepts {@code fromServer} channels the server opens, opens
     * {@code own} itself, drives {@code messages} checksummed messages over every channel, then closes on "CLOSE".
     */
    private static void client(Path runDir, int init, int own, int fromServer, int messages) throws Exception {
        LinkedBlockingQueue<Channel> offered = new LinkedBlockingQueue<>();
        try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                ClientSession.Config.DEFAULT.withInitChannels(init))) {
            session.onChannel(request -> {
                try {
                    offered.add(request.accept());
                } catch (Exception e) {
                    say("FAILED accepting " + e);
                }
            });
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < session.initChannelCount(); i++) {
                channels.add(session.channel(i));
            }
            for (int i = 0; i < own; i++) {
                channels.add(session.openChannel(("client-" + i).getBytes(), WAIT));
            }
            for (int i = 0; i < fromServer; i++) {
                Channel c = offered.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
                if (c == null) {
                    throw new AssertionError("the server opened no channel within " + WAIT);
                }
                channels.add(c);
            }
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int i = 0; i < channels.size(); i++) {
                Channel c = channels.get(i);
                long seed = ProcessHandle.current().pid() * 31 + i;
                runs.add(CompletableFuture.runAsync(() -> {
                    try {
                        Echo.drive(c, messages, seed);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);
            say("OK " + channels.size() + " " + messages);
            hear("CLOSE");
        }
        say("CLOSED");
    }

    /** Logs in with one init channel and follows the parent's commands until EXIT (or until it is killed). */
    private static void hold(Path runDir) throws Exception {
        try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                ClientSession.Config.DEFAULT.withInitChannels(1))) {
            session.onEnd(end -> say("END " + end.getClass().getSimpleName() + " " + end.isError()));
            CompletableFuture<Long> echo = Echo.serve(session.channel(0));
            say("READY " + session.id());
            for (String command; !(command = hear()).equals("EXIT"); ) {
                switch (command) {
                    case "OPEN" -> {
                        Channel c = session.openChannel("hold".getBytes(), WAIT);
                        Echo.drive(c, 100, 7);
                        say("OPENED");
                    }
                    default -> throw new IllegalArgumentException(command);
                }
            }
            session.close();
            // Closing the session closed its channels under the echo thread's receive: that is how it stops here.
            say("ECHOED " + echo.handle((n, e) -> e == null ? "ended" : e.getClass().getSimpleName()).get(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
    }

    /**
     * A cache server that lends each session a block of its session arena and one of its app arena (handles sent on
     * init channel 0), then echoes what comes back on that channel.
     */
    private static void server(Path runDir) throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            ShmBlock shared = server.appArena().allocate(4096);
            shared.memory().fill((byte) 0x5A);
            server.onSession(session -> {
                try {
                    ShmBlock mine = session.arena().allocate(1 << 20);
                    mine.memory().fill((byte) 0x33);
                    MemorySegment handles = MemorySegment.ofArray(new byte[2 * SessionHandle.BYTES]);
                    session.lend(mine).writeTo(handles, 0);
                    session.lend(shared).writeTo(handles, SessionHandle.BYTES);
                    session.channel(0).blobs().send(handles);
                    Echo.serve(session.channel(0));
                } catch (Exception e) {
                    say("FAILED " + e);
                }
            });
            say("STARTED " + ProcessHandle.current().pid() + " " + server.leftoversRemoved().size());
            hear("EXIT");
        }
        say("STOPPED");
    }

    /** Tries to log in as {@code app}; says REFUSED with the reason and message, or CONNECTED. */
    private static void login(Path runDir, String app) throws Exception {
        ClientApp me = ClientApp.named(app).build();
        try (ClientSession session = ClientSession.connect(me, Apps.cache(runDir))) {
            say("CONNECTED " + session.id());
        } catch (AccessDeniedException e) {
            say("REFUSED " + e.reason() + " " + e.getMessage());
        }
    }

    /** Opens {@code n} connections to the server and never logs in on any; holds them until EXIT. */
    private static void flood(Path runDir, int n) throws Exception {
        ServerApp cache = Apps.cache(runDir);
        long pid = RunDirectory.readPid(runDir, cache.name()).orElseThrow();
        UnixAddress address = UnixAddress.of(RunDirectory.socket(runDir, cache.name(), pid));
        List<UnixSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                held.add(UnixSocket.connect(address));
            }
            say("FLOODED " + held.size());
            hear("EXIT");
        } finally {
            held.forEach(dev.ipc4j.os.Closing::quietly);
        }
    }

    /** Logs in by hand with a forged claim ("pid", "uid", "gid") or garbage after a good log-in ("garbage"). */
    private static void forge(Path runDir, String what) throws Exception {
        ServerApp cache = Apps.cache(runDir);
        long pid = RunDirectory.readPid(runDir, cache.name()).orElseThrow();
        UnixSocket socket = UnixSocket.connect(UnixAddress.of(RunDirectory.socket(runDir, cache.name(), pid)));
        // The channel takes the socket over; frames forged past it go through a view that borrows the descriptor.
        UnixSocket raw = UnixSocket.adopt(dev.ipc4j.os.Fd.borrow(socket.fd().get()), "the control socket, borrowed");
        try (Channel control = Session.adoptChannel(socket, dev.ipc4j.transport.Channel.Role.CONNECTOR, SessionConfig.DEFAULT.control(), null, null)) {
            PeerCredentials self = PeerCredentials.self();
            Control.Login login = new Control.Login(Control.VERSION, Control.VERSION,
                    what.equals("pid") ? self.pid() + 1 : self.pid(),
                    what.equals("uid") ? self.uid() + 1 : self.uid(),
                    what.equals("gid") ? self.gid() + 1 : self.gid(), "web", "cache", List.of());
            Handshake.send(control, login, 0, List.of());
            Handshake.Received reply = Handshake.receive(control, 0, WAIT, "answer");
            switch (reply.message()) {
                case Control.Refused r -> say("REFUSED " + r.reason() + " " + r.message());
                case Control.LoginOk ok -> {
                    say("CONNECTED " + ok.sessionId());
                    UnixSocket memory = reply.sockets().getLast();
                    if (what.equals("memory-garbage")) {
                        // A record of the wrong size, with a descriptor: the server must end this session.
                        try (dev.ipc4j.os.Fd fd = dev.ipc4j.os.MemFd.create("ipc4j.forged", 4096);
                             java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                            memory.send(a.allocate(10), fd);
                        }
                        Receipt r = control.blobs().receive(b -> { }, WAIT);
                        say("AFTER GARBAGE " + r);
                    }
                    if (what.equals("ping-fds")) {
                        // A PING frame (claims no descriptor) with ten riding on it, straight onto the session's socket.
                        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
                            MemorySegment ping = a.allocate(8); // length 0, type 2 (PING), flags 0, descriptors 0
                            ping.set(ValueLayout.JAVA_BYTE, 4, (byte) 2);
                            List<dev.ipc4j.os.EventFd> riders = new ArrayList<>();
                            for (int i = 0; i < 10; i++) {
                                riders.add(dev.ipc4j.os.EventFd.create());
                            }
                            raw.send(ping, 0, 8, false, riders.stream().map(dev.ipc4j.os.EventFd::fd).toArray(dev.ipc4j.os.Fd[]::new));
                            for (dev.ipc4j.os.EventFd e : riders) {
                                e.close();
                            }
                        }
                        say("SENT");
                        Receipt r = control.blobs().receive(b -> { }, WAIT);
                        say("AFTER PING FDS " + r);
                    }
                    if (what.equals("memory-stuffing")) {
                        say("STUFFED " + stuff(new MemorySocket(memory, false), 1000));
                        hear("EXIT");
                    }
                    if (what.equals("garbage")) {
                        control.blobs().send(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}));
                        Receipt r = control.blobs().receive(b -> { }, WAIT);
                        say("AFTER GARBAGE " + r);
                    }
                }
                default -> say("UNEXPECTED " + reply.message());
            }
        } catch (Exception e) {
            say("AFTER GARBAGE " + e.getClass().getSimpleName());
        }
    }

    /**
     * Posts {@code n} well-formed records for segments of a client arena that does not exist, each with a fresh sealed
     * memfd, as fast as the server takes them off the socket; returns how many went.
     */
    private static int stuff(MemorySocket socket, int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        int posted = 0;
        while (posted < n && System.nanoTime() < deadline) {
            try (dev.ipc4j.os.Fd fd = dev.ipc4j.os.MemFd.create("ipc4j.stuffed", 4096)) {
                dev.ipc4j.os.MemFd.seal(fd, dev.ipc4j.os.MemFd.SEAL_SIZE);
                while (true) {
                    try {
                        socket.post(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, posted, 0, 4096, fd);
                        break;
                    } catch (java.io.IOException full) { // the server takes them every 100 ms: the attacker waits
                        if (System.nanoTime() > deadline || !(full.getMessage().contains("full"))) {
                            throw full;
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }
            }
            posted++;
        }
        return posted;
    }

    /** Logs in, then asks for a channel with a descriptor that is not a socket; says how the session ended. */
    private static void openNotSocket(Path runDir) throws Exception {
        try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT);
             dev.ipc4j.os.EventFd notASocket = dev.ipc4j.os.EventFd.create();
             dev.ipc4j.NativeHandle sent = dev.ipc4j.NativeHandle.adopt(notASocket.fd().dup().release())) {
            java.nio.ByteBuffer open = Control.encode(new Control.Open(1, new byte[0]), session.controlToken());
            ((dev.ipc4j.transport.SocketPipe) session.controlChannel().blobs()).send(MemorySegment.ofBuffer(open), sent);
            say("SENT");
            say("ENDED " + session.ended().get(WAIT.toSeconds(), TimeUnit.SECONDS).getClass().getSimpleName());
        }
    }

    /** Connects and sends bytes that are no log-in; says the answer. */
    private static void malformedLogin(Path runDir) throws Exception {
        ServerApp cache = Apps.cache(runDir);
        long pid = RunDirectory.readPid(runDir, cache.name()).orElseThrow();
        UnixSocket socket = UnixSocket.connect(UnixAddress.of(RunDirectory.socket(runDir, cache.name(), pid)));
        try (Channel control = Session.adoptChannel(socket, dev.ipc4j.transport.Channel.Role.CONNECTOR, SessionConfig.DEFAULT.control(), null, null)) {
            control.blobs().send(MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5}));
            Handshake.Received answer = Handshake.receive(control, 0, WAIT, "the refusal");
            say(answer.message() instanceof Control.Refused r ? "REFUSED " + r.reason() : "ANSWER " + answer.message());
        }
    }

    /**
     * Logs in, receives on channel 0 the handle the server lent and the handle of a block it did not lend (as if
     * guessed), and sends both back, the guessed one first; waits for EXIT.
     */
    private static void handBack(Path runDir) throws Exception {
        try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT.withInitChannels(1))) {
            byte[][] bytes = new byte[1][];
            if (session.channel(0).blobs().receive(b -> bytes[0] = b.toArray(), WAIT) != Receipt.MESSAGE) {
                throw new AssertionError("no handles from the server");
            }
            MemorySegment in = MemorySegment.ofArray(bytes[0]);
            SessionHandle lent = SessionHandle.readFrom(in, 0);
            SessionHandle guessed = SessionHandle.readFrom(in, SessionHandle.BYTES);
            try (Lease lease = session.borrow(lent)) {
                say("BORROWED " + lease.memory().get(ValueLayout.JAVA_BYTE, 0));
            }
            MemorySegment out = MemorySegment.ofArray(new byte[2 * SessionHandle.BYTES]);
            guessed.writeTo(out, 0);
            lent.writeTo(out, SessionHandle.BYTES);
            session.channel(0).blobs().send(out);
            hear("EXIT");
        }
    }

    /**
     * Looks like a running cache server to clients (pid file, listening socket) but never answers a connection: a
     * client that connects waits in its handshake. Says ACCEPTED for each connection; killed by the test.
     */
    private static void muteServer(Path runDir) throws Exception {
        ServerApp cache = Apps.cache(runDir);
        long pid = ProcessHandle.current().pid();
        RunDirectory.ensure(runDir, cache.permissions());
        Path socketPath = RunDirectory.socket(runDir, cache.name(), pid);
        List<UnixSocket> held = new ArrayList<>();
        try (dev.ipc4j.os.UnixServerSocket listening = dev.ipc4j.os.UnixServerSocket.listen(UnixAddress.of(socketPath), 0600, 16)) {
            RunDirectory.writePid(runDir, cache.name(), pid, cache.permissions());
            say("STARTED");
            while (true) {
                held.add(listening.accept());
                say("ACCEPTED");
            }
        }
    }

    /** A cache server whose channel handler never decides: a client's channel request waits. Says REQUESTED. */
    private static void stallingServer(Path runDir) throws Exception {
        List<ChannelRequest> undecided = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            server.onSession(session -> session.onChannel(request -> {
                undecided.add(request);
                say("REQUESTED");
                try {
                    new java.util.concurrent.CountDownLatch(1).await(); // undecided until the test kills this process
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            say("STARTED");
            hear("EXIT");
        }
    }

    /** Tries to start a second server of the cache app. */
    private static void startServer(Path runDir) throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            say("STARTED " + server.socketPath());
        } catch (ServerAlreadyRunningException e) {
            say("ALREADY " + e.pid() + " " + e.getMessage());
        }
    }

    /** Borrows the two handles the {@link #server} sends first on channel 0 and checks their bytes. */
    static String borrowLent(Session session) throws Exception {
        byte[][] bytes = new byte[1][];
        if (session.channel(0).blobs().receive(b -> bytes[0] = b.toArray(), WAIT) != Receipt.MESSAGE) {
            throw new AssertionError("no handles from the server");
        }
        MemorySegment m = MemorySegment.ofArray(bytes[0]);
        try (Lease mine = session.borrow(SessionHandle.readFrom(m, 0));
             Lease app = session.borrow(SessionHandle.readFrom(m, SessionHandle.BYTES))) {
            boolean ok = mine.memory().byteSize() == 1 << 20 && app.memory().byteSize() == 4096
                    && mine.memory().get(ValueLayout.JAVA_BYTE, 12345) == 0x33 && app.memory().get(ValueLayout.JAVA_BYTE, 99) == 0x5A;
            return ok ? "BORROWED" : "WRONG BYTES";
        }
    }
}
