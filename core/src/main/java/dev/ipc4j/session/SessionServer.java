package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.counters.ServerField;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.LockFile;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.Threads;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixServerSocket;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmSweeper;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerGoneException;
import dev.ipc4j.transport.PeerIdentity;
import dev.ipc4j.transport.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Serves one {@link ServerApp}: at most one per app on the host (a second start fails with
 * {@link ServerAlreadyRunningException}), with many concurrent sessions.
 *
 * <p>At start it takes the app's lock in the run directory, removes what a crashed predecessor left (its socket, pid
 * file and shared memory, found by their dead owners' pids), writes its pid file and listens on
 * {@code ipc4j.APP.PID.sock}, all with the app's {@link Permissions}. Each connection logs in on a thread of its own,
 * so a slow or hostile client delays nobody: the server checks that the client app is known and allowed, that the pid,
 * uid and gid it claims are what the kernel reports for the socket (SO_PEERCRED), its uid, gid and executable when its
 * description names them, and the protocol version. A refused client is told why; nothing else is affected.
 *
 * <pre>{@code
 * try (SessionServer server = SessionServer.start(cache)) {
 *     server.onSession(session -> session.onChannel(request -> serve(request.accept())));
 *     server.awaitShutdown();
 * }
 * }</pre>
 */
public final class SessionServer implements AutoCloseable {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.session");
    }
    private static final Duration ACCEPT_INTERVAL = Duration.ofMillis(200);
    /** How often, at most, evicted connections are summed up in the log. */
    static final Duration FLOOD_REPORT_INTERVAL = Duration.ofSeconds(10);
    /** Log-ins in progress at once, at least (maxSessions when larger). */
    static final int MIN_LOGINS_IN_PROGRESS = 32;
    /** Log-ins in progress at once from one process: a client logs in on one connection, retries on another. */
    static final int LOGINS_PER_PROCESS = 4;

    /** Chooses the init channels of a session from what the client asked for. */
    @FunctionalInterface
    public interface InitChannelPolicy {
        /** Give the client what it asked for. */
        InitChannelPolicy AS_ASKED = (client, asked) -> asked;

        /** The metadata of each init channel to open (at most 32); {@code asked} is the client's wish. */
        List<byte[]> decide(SessionPeer client, List<byte[]> asked);
    }

    /**
     * @param session how this side runs each session
     * @param maxSessions how many sessions may be open at once (an arena serves at most 64 processes, which bounds
     *     the clients that borrow from the app arena at the same time)
     * @param initChannels who decides the init channels
     */
    public record Config(SessionConfig session, int maxSessions, InitChannelPolicy initChannels, ThreadFactory threadFactory) {
        public static final Config DEFAULT = new Config(SessionConfig.DEFAULT, 63, InitChannelPolicy.AS_ASKED,
                Threads.DAEMON);

        public Config {
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(initChannels, "initChannels");
            Objects.requireNonNull(threadFactory, "threadFactory");
            if (maxSessions < 1) {
                throw new IllegalArgumentException("maxSessions must be positive: " + maxSessions);
            }
        }

        /** A copy with {@code session} replaced, checked like the rest. */
        public Config withSession(SessionConfig session) {
            return new Config(session, maxSessions, initChannels, threadFactory);
        }

        /** A copy with {@code maxSessions} replaced, checked like the rest. */
        public Config withMaxSessions(int maxSessions) {
            return new Config(session, maxSessions, initChannels, threadFactory);
        }

        /** A copy with {@code initChannels} replaced, checked like the rest. */
        public Config withInitChannels(InitChannelPolicy initChannels) {
            return new Config(session, maxSessions, initChannels, threadFactory);
        }

        /**
         * A copy with {@code threadFactory} replaced: it makes every thread the server itself starts (its acceptor;
         * one per log-in in progress, a bounded number; one per session while the server closes; its JVM shutdown
         * hook, started only when the JVM exits), each named by the server after it is made. Its sessions' sockets
         * are read by their {@link SessionConfig#runner() runner}. Default: daemon platform threads.
         */
        public Config withThreadFactory(ThreadFactory threadFactory) {
            return new Config(session, maxSessions, initChannels, threadFactory);
        }

        /** A thread from {@link #threadFactory()} for {@code task}, named; fails clearly when the factory makes none. */
        Thread newThread(String name, Runnable task) {
            return Threads.newThread(threadFactory, "the server's", name, task);
        }
    }

    private final ServerApp app;
    private final Config config;
    private final Path runDirectory;
    private final LockFile lock;
    private final UnixServerSocket listener;
    private final Path socketPath;
    private final List<ShmSweeper.Found> leftovers;
    private final Set<ServerSession> sessions = ConcurrentHashMap.newKeySet();
    private final BlockingQueue<ServerSession> unclaimed = new LinkedBlockingQueue<>();
    private final AtomicLong nextSession = new AtomicLong(1);
    /** Log-ins in progress: bounded overall and per process, the oldest evicted for a newcomer (flood-proof). */
    private final LoginAdmission logins;
    private long lastFloodReport = System.nanoTime() - FLOOD_REPORT_INTERVAL.toNanos();
    private final SecureRandom random = new SecureRandom();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch closedLatch = new CountDownLatch(1);
    private final Thread acceptor;
    /**
     * Closes the server when the JVM shuts down (SIGTERM, SIGINT, System.exit) while it is open: its socket, pid file
     * and app arena are removed, its sessions ended in good order, as {@link #close()} does. Without it a server
     * stopped by a signal left them behind for the next start or {@code ipc4j clean} to remove. Unregistered by close.
     */
    private final Thread shutdownHook;
    private volatile Consumer<ServerSession> handler;
    private ShmArena appArena;
    private volatile SessionTap tap;
    private volatile Predicate<ChannelRequest> interceptor;
    /** Sessions and log-ins, live; each session's record is a child of it. Closed last by {@link #close()}. */
    private final CounterRecord counters;

    private SessionServer(ServerApp app, Config config, Path runDirectory, LockFile lock, UnixServerSocket listener,
            Path socketPath, List<ShmSweeper.Found> leftovers) {
        this.app = app;
        this.config = config;
        this.runDirectory = runDirectory;
        this.lock = lock;
        this.listener = listener;
        this.socketPath = socketPath;
        this.leftovers = List.copyOf(leftovers);
        this.logins = new LoginAdmission(maxLoginsInProgress(), LOGINS_PER_PROCESS);
        this.acceptor = config.newThread("ipc4j-server-" + app.name(), this::acceptLoop);
        this.shutdownHook = config.newThread("ipc4j-server-" + app.name() + "-shutdown", this::close);
        this.counters = config.session().counters() ? CounterRecord.open(app.name(), RecordType.SERVER, 0, app.name())
                : CounterRecord.detached(RecordType.SERVER);
    }

    /** {@link #start(ServerApp, Config)} with {@link Config#DEFAULT}. */
    public static SessionServer start(ServerApp app) throws IOException {
        return start(app, Config.DEFAULT);
    }

    /**
     * Starts serving {@code app}; sessions wait for {@link #onSession} or {@link #accept}.
     *
     * @throws ServerAlreadyRunningException when another server of the app runs on this host
     */
    public static SessionServer start(ServerApp app, Config config) throws IOException {
        Path dir = app.resolvedRunDirectory();
        RunDirectory.ensure(dir, app.permissions());
        Path lockPath = RunDirectory.lockFile(dir, app.name());
        Optional<LockFile> lock = LockFile.tryAcquire(lockPath, app.permissions().mode());
        if (lock.isEmpty()) {
            OptionalLong pid = RunDirectory.readPid(dir, app.name());
            throw new ServerAlreadyRunningException("a server of app '" + app.name() + "' is already running"
                    + (pid.isPresent() ? " as pid " + pid.getAsLong() : "") + " (it holds " + lockPath + ")", pid.orElse(-1));
        }
        UnixServerSocket listener = null;
        boolean pidWritten = false;
        try {
            // We hold the lock, so no server of this app lives: whatever of it is named after a dead pid is leftover.
            String prefix = "ipc4j." + app.name() + ".";
            List<ShmSweeper.Found> removed = ShmSweeper.sweep(new ShmSweeper.Places(ShmSweeper.SHM_DIRECTORY, dir), false,
                    f -> f.name().startsWith(prefix));
            for (ShmSweeper.Found f : removed) {
                Log.LOG.log(System.Logger.Level.INFO, "removed {0}, left by dead process {1}", f.path(), Long.toString(f.ownerPid()));
            }
            long pid = ProcessHandle.current().pid();
            Path socketPath = RunDirectory.socket(dir, app.name(), pid);
            listener = UnixServerSocket.listen(UnixAddress.of(socketPath), app.permissions().mode(), 128);
            RunDirectory.writePid(dir, app.name(), pid, app.permissions());
            pidWritten = true;
            SessionServer server = new SessionServer(app, config, dir, lock.get(), listener, socketPath, removed);
            server.acceptor.start();
            Runtime.getRuntime().addShutdownHook(server.shutdownHook);
            return server;
        } catch (IOException | RuntimeException e) {
            Closing.quietly(listener);
            if (pidWritten) { // e.g. the thread factory failed: no pid file may name a server that never served
                try {
                    Files.deleteIfExists(RunDirectory.pidFile(dir, app.name()));
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            Closing.quietly(lock.get());
            throw e;
        }
    }

    // ----------------------------------------------------------------------------------------------------- API

    /** The app this server serves. */
    public ServerApp app() {
        return app;
    }

    /** Log-ins in progress at once, at most (a flood's log-in threads stay within twice that). */
    int maxLoginsInProgress() {
        return Math.max(MIN_LOGINS_IN_PROGRESS, config.maxSessions());
    }

    /** The socket clients connect to. */
    public Path socketPath() {
        return socketPath;
    }

    /** The file holding this server's pid, which clients read to find its socket. */
    public Path pidFile() {
        return RunDirectory.pidFile(runDirectory, app.name());
    }

    /** What this server removed at start: its crashed predecessors' leftovers. */
    public List<ShmSweeper.Found> leftoversRemoved() {
        return leftovers;
    }

    /**
     * Hands every new session to {@code handler}, on the session's log-in thread, once the session is set up (its
     * init channels included); sessions that logged in before are handed over now. Register per-session handlers
     * ({@link Session#onChannel}, {@link Session#onEnd}) there.
     */
    public void onSession(Consumer<ServerSession> handler) {
        Objects.requireNonNull(handler, "handler");
        List<ServerSession> waiting = new ArrayList<>();
        synchronized (unclaimed) { // against a log-in that read no handler and is about to queue its session
            this.handler = handler;
            unclaimed.drainTo(waiting);
        }
        waiting.forEach(s -> deliver(handler, s));
    }

    /** Waits up to {@code timeout} for the next session (when no {@link #onSession} handler is set). */
    public ServerSession accept(Duration timeout) throws SessionTimeoutException, InterruptedException {
        ServerSession s = unclaimed.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        if (s == null) {
            throw new SessionTimeoutException("no session within " + timeout);
        }
        return s;
    }

    /** The sessions open now (not ending or ended). */
    public List<ServerSession> sessions() {
        return sessions.stream().filter(Session::isOpen).toList();
    }

    /** The app-scope arena: created on first use, outlives every session, released when the server closes. */
    public synchronized ShmArena appArena() {
        if (closed.get()) {
            throw new IllegalStateException("the server is closed");
        }
        if (appArena == null) {
            ArenaConfig a = config.session().arenas();
            try {
                appArena = ShmArena.create(ShmArena.Config.of(app.name(), "app").withOwnership(ShmArena.Ownership.OWNED)
                        .withPermissions(app.permissions().shm()).withSegmentSize(a.segmentSize()).withQuota(a.quota()));
                appArena.countInto(counters.child(RecordType.ARENA, 0, "app arena"));
            } catch (IOException e) {
                throw new UncheckedIOException("creating the app arena of " + app.name(), e);
            }
        }
        return appArena;
    }

    /**
     * Shows every message of every session's message channels to {@code tap} from now on (null: none), sessions open
     * now and later alike. For an observer's tap ({@code dev.ipc4j.tap.Tap}); see {@link SessionTap} for what it may do.
     */
    public void tap(SessionTap tap) {
        this.tap = tap;
        for (ServerSession s : sessions) {
            s.tap(tap);
        }
    }

    /**
     * Shows every session's channel requests to {@code interceptor} before the session's own handler
     * ({@link Session#onChannel}): a request it takes (returns true: it accepted or refused it) goes no further, the
     * others go on as if it were not there. For a service of the server's own beside the application's channels (the
     * tap's subscriptions). Null: none. Runs on a session's set-up thread.
     */
    public void interceptChannels(Predicate<ChannelRequest> interceptor) {
        this.interceptor = interceptor;
        for (ServerSession s : sessions) {
            s.interceptChannels(interceptor);
        }
    }

    /** Waits until the server is closed (by another thread, e.g. a shutdown hook). */
    public void awaitShutdown() throws InterruptedException {
        closedLatch.await();
    }

    /**
     * Stops accepting, ends every session in good order (in parallel, each bounded by the close timeout), releases the
     * app arena and removes the socket and pid file. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            try {
                closedLatch.await(config.session().closeTimeout().toMillis() * 2 + 5000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is shutting down: the hook runs, finds the server closed, and returns
            }
        }
        Closing.quietly(listener);
        try {
            acceptor.join(ACCEPT_INTERVAL.toMillis() * 10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Thread> closers = new ArrayList<>();
        List<ServerSession> toClose = new ArrayList<>(sessions);
        for (ServerSession s; (s = unclaimed.poll()) != null; ) {
            toClose.add(s);
        }
        for (ServerSession s : toClose) {
            try { // each on a thread of its own, so that one hung peer does not hold up the others' good-byes
                Thread t = config.newThread("ipc4j-server-" + app.name() + "-close", s::close);
                t.start();
                closers.add(t);
            } catch (RuntimeException | OutOfMemoryError e) { // no thread to be had: closed here, one after another
                s.close();
            }
        }
        for (Thread t : closers) {
            try {
                t.join(config.session().closeTimeout().toMillis() * 2 + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            Closing.quietly(appArena);
        }
        try {
            OptionalLong pid = RunDirectory.readPid(runDirectory, app.name());
            if (pid.isPresent() && pid.getAsLong() == ProcessHandle.current().pid()) {
                Files.deleteIfExists(pidFile());
            }
        } catch (IOException e) {
            Log.LOG.log(System.Logger.Level.WARNING, "removing the pid file", e);
        }
        Closing.quietly(lock);
        counters.close();
        closedLatch.countDown();
    }

    // --------------------------------------------------------------------------------------------------- log-in

    private void acceptLoop() {
        while (!closed.get()) {
            Optional<UnixSocket> socket;
            try {
                if (!logins.awaitRoom(ACCEPT_INTERVAL.toMillis())) {
                    reportEvictions();
                    continue; // evicted log-ins still leaving: the backlog waits in the kernel meanwhile
                }
                socket = listener.accept(ACCEPT_INTERVAL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ErrnoException e) {
                if (!closed.get()) {
                    Log.LOG.log(System.Logger.Level.WARNING, "accepting a connection failed", e);
                }
                continue;
            } catch (RuntimeException e) {
                if (closed.get()) {
                    return; // the listener was closed under us
                }
                Log.LOG.log(System.Logger.Level.ERROR, "the accept loop failed", e);
                return;
            }
            reportEvictions();
            if (socket.isEmpty()) {
                continue;
            }
            UnixSocket s = socket.get();
            long peerPid;
            try {
                peerPid = Handshake.credentials(s).pid();
            } catch (PeerGoneException e) {
                Closing.quietly(s);
                continue;
            }
            LoginAdmission.Pending admitted = logins.admit(s, peerPid);
            try {
                config.newThread("ipc4j-login-" + app.name(), () -> {
                    try {
                        login(s, admitted);
                    } finally {
                        logins.done(admitted);
                    }
                }).start();
            } catch (RuntimeException | OutOfMemoryError e) { // no thread to be had: the connection is dropped, its slot and descriptors freed
                logins.done(admitted);
                Closing.quietly(s);
                Log.LOG.log(System.Logger.Level.WARNING, "no thread for a log-in; the connection is dropped", e);
            }
        }
    }

    /** At most one line per {@link #FLOOD_REPORT_INTERVAL} about connections evicted before logging in. */
    private void reportEvictions() {
        long now = System.nanoTime();
        if (now - lastFloodReport < FLOOD_REPORT_INTERVAL.toNanos()) {
            return;
        }
        String report = logins.report();
        if (report != null) {
            lastFloodReport = now;
            Log.LOG.log(System.Logger.Level.WARNING, "server app ''{0}'': {1}", app.name(), report);
        }
    }

    private void login(UnixSocket socket, LoginAdmission.Pending admitted) {
        SessionConfig sc = config.session();
        PeerCredentials kernel;
        PidFd pid;
        try {
            kernel = Handshake.credentials(socket);
            pid = ClientSession.peerPidFd(socket, kernel.pid());
        } catch (IOException | RuntimeException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "a connection that vanished before logging in", e);
            Closing.quietly(socket);
            return;
        }
        Channel control = null;
        List<UnixSocket> near = new ArrayList<>();
        SessionMemory memory = null; // with this side of the memory socket, until the session owns it
        List<Channel> channels = new ArrayList<>();
        ServerSession session = null;
        try {
            control = Session.adoptChannel(socket, Channel.Role.ACCEPTOR, sc.control(), null, null);
            Control.Login login;
            try {
                Handshake.Received first = Handshake.receive(control, 0, sc.handshakeTimeout(), "log-in");
                if (!(first.message() instanceof Control.Login l)) {
                    first.sockets().forEach(Closing::quietly);
                    throw new ProtocolException("the first message was not a log-in: " + first.message());
                }
                login = l;
                logins.done(admitted); // it has logged in (or is refused below): no longer a connection to evict
            } catch (ProtocolException e) {
                // The documented answer, not a dropped socket: the client learns why (when its pipe still works).
                refuse(control, new AccessDeniedException(AccessDeniedException.Reason.MALFORMED_LOGIN,
                        "malformed log-in: " + e.getMessage()), kernel);
                Closing.quietly(pid);
                return;
            }
            Optional<AccessDeniedException> denied = check(login, kernel);
            if (denied.isPresent()) {
                refuse(control, denied.get(), kernel);
                Closing.quietly(pid);
                return;
            }
            ClientApp client = app.known().get(login.clientApp());
            SessionPeer peer = new SessionPeer(client.name(), new PeerIdentity(kernel.pid(), kernel.uid(), kernel.gid()));
            List<byte[]> init = List.copyOf(config.initChannels().decide(peer, login.initChannels()));
            Control.checkMetadata(init);
            long id = nextSession.getAndIncrement();
            long token = random.nextLong() | 1; // never 0, the log-in's
            List<UnixSocket> far = new ArrayList<>();
            try {
                for (int i = 0; i < init.size(); i++) {
                    UnixSocket[] pair = UnixSocket.pair();
                    near.add(pair[0]);
                    far.add(pair[1]);
                }
                UnixSocket[] memoryPair = UnixSocket.recordPair();
                far.add(memoryPair[1]);
                memory = new SessionMemory(app, true, ProcessHandle.current().pid(), kernel.pid(), id, sc.arenas(),
                        this::appArena, new MemorySocket(memoryPair[0], true));
                memory.open(); // posted before the answer: the client maps our arena during its log-in
                Handshake.send(control, new Control.LoginOk(Control.VERSION, id, token, init), 0, far);
            } finally {
                far.forEach(Session::closeDescriptor); // the client has them now: shutting them down would cut it off
            }
            PeerIdentity identity = peer.process();
            for (UnixSocket s : List.copyOf(near)) {
                near.remove(s);
                channels.add(Session.adoptChannel(s, Channel.Role.ACCEPTOR, sc.channels(), identity, pid.dup()));
            }
            session = new ServerSession(app, client, id, token, peer, control, pid, sc, memory, channels, init,
                    counters.child(RecordType.SESSION, id, client.name() + " pid " + kernel.pid()));
            ServerSession s = session;
            sessions.add(s); // first: a tap set from now on finds it, one set before is read below
            s.tap(tap);
            s.interceptChannels(interceptor);
            counters.add(ServerField.SESSIONS, 1);
            counters.add(ServerField.SESSIONS_OPENED, 1);
            s.onReleased(() -> {
                sessions.remove(s);
                counters.add(ServerField.SESSIONS, -1);
            });
            if (closed.get()) {
                s.close();
                return;
            }
            s.start();
            Consumer<ServerSession> h;
            synchronized (unclaimed) {
                h = handler;
                if (h == null) {
                    unclaimed.add(s);
                }
            }
            if (h != null) {
                deliver(h, s);
            }
        } catch (IOException | RuntimeException e) {
            // An evicted connection's end is counted in the flood summary, not logged one by one.
            Log.LOG.log(admitted.evicted() ? System.Logger.Level.DEBUG : System.Logger.Level.INFO,
                    "log-in of pid " + kernel.pid() + " failed: " + e.getMessage());
            near.forEach(Closing::quietly);
            if (session == null) {
                if (memory != null) {
                    memory.close();
                }
                channels.forEach(Channel::close);
                if (control != null) {
                    control.close();
                }
                Closing.quietly(pid);
            }
        }
    }

    private void deliver(Consumer<ServerSession> h, ServerSession s) {
        try {
            h.accept(s);
        } catch (RuntimeException | Error e) {
            Log.LOG.log(System.Logger.Level.WARNING, "the session handler threw; session " + s.id() + " goes on", e);
        }
    }

    /** The log-in checks, in the order a refused client finds most useful. */
    private Optional<AccessDeniedException> check(Control.Login login, PeerCredentials kernel) {
        if (login.minVersion() > Control.VERSION || login.maxVersion() < Control.VERSION) {
            return deny(AccessDeniedException.Reason.VERSION_MISMATCH, "the client speaks session protocol versions "
                    + login.minVersion() + ".." + login.maxVersion() + "; this server speaks " + Control.VERSION);
        }
        if (!login.serverApp().equals(app.name())) {
            return deny(AccessDeniedException.Reason.WRONG_SERVER, "this is server app '" + app.name() + "', not '"
                    + login.serverApp() + "'");
        }
        ClientApp client = app.known().get(login.clientApp());
        if (client == null) {
            return deny(AccessDeniedException.Reason.UNKNOWN_APP, "server app '" + app.name() + "' does not know client app '"
                    + login.clientApp() + "' (it knows " + app.known().keySet() + ")");
        }
        if (!app.allowed().contains(client.name())) {
            return deny(AccessDeniedException.Reason.APP_NOT_ALLOWED, "client app '" + client.name()
                    + "' is not allowed to open sessions with server app '" + app.name() + "'");
        }
        if (login.pid() != kernel.pid() || login.uid() != kernel.uid() || login.gid() != kernel.gid()) {
            return deny(AccessDeniedException.Reason.CREDENTIALS_MISMATCH, "the client claimed pid " + login.pid() + ", uid "
                    + login.uid() + ", gid " + login.gid() + ", but the kernel says pid " + kernel.pid() + ", uid "
                    + kernel.uid() + ", gid " + kernel.gid());
        }
        Optional<AccessDeniedException> identity = Handshake.checkIdentity(client, kernel, "client app '" + client.name() + "'");
        if (identity.isPresent()) {
            return identity;
        }
        if (sessions.size() >= config.maxSessions()) {
            return deny(AccessDeniedException.Reason.SERVER_FULL, "server app '" + app.name() + "' already serves "
                    + config.maxSessions() + " sessions, its maximum");
        }
        return Optional.empty();
    }

    private static Optional<AccessDeniedException> deny(AccessDeniedException.Reason reason, String message) {
        return Optional.of(new AccessDeniedException(reason, message));
    }

    private void refuse(Channel control, AccessDeniedException denied, PeerCredentials kernel) {
        counters.add(ServerField.LOGINS_REFUSED, 1);
        Log.LOG.log(System.Logger.Level.INFO, "refused pid " + kernel.pid() + ": " + denied.reason() + ": " + denied.getMessage());
        try {
            Handshake.send(control, new Control.Refused(denied.reason(), denied.getMessage()), 0, List.of());
        } catch (IOException | Ipc4jException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "the refused client is gone", e);
        }
        control.close(); // ends the socket after the refusal, so the client reads it
    }

    @Override
    public String toString() {
        return "SessionServer[" + app.name() + " at " + socketPath + ", " + sessions.size() + " sessions]";
    }
}
