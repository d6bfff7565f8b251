package dev.ipc4j.session;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.Fd;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.InvalidHandleException;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmIoException;
import dev.ipc4j.transport.TransportException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * A session's shared memory as Flow-IPC's arena-lending provider sees it: each side allocates in an OWNED arena of its
 * own (the peer maps it read-only, so a crashing or hostile peer cannot corrupt it), and the server also lends from
 * its app-scope arena, which outlives sessions. The app arena is created or attached on first use; the session arenas
 * at log-in (below).
 *
 * <p>Every object of these arenas is a memfd whose size is sealed, never a /dev/shm name: before this side lends the
 * first handle into an arena or segment, it posts that object's descriptor on the session's {@link MemorySocket}, and
 * the peer maps what it takes from there. So no process, the peer included, can shrink a segment under a reader, and
 * nothing is left behind when a process dies. Labels (shown in /proc/PID/maps):
 * {@code ipc4j.SERVERAPP.SERVERPID.s<id>} (server's session arena), {@code ipc4j.SERVERAPP.CLIENTPID.c<serverpid>-<id>}
 * (client's), {@code ipc4j.SERVERAPP.SERVERPID.app}.
 *
 * <p>Each side makes its session arena at log-in and posts its control object ({@link #open}), the server before its
 * LOGIN_OK, so the client maps the server's during its log-in and the server maps the client's when its reader next
 * looks ({@link #tick}). A fresh process's first mapping of the peer's arena runs code no message has run yet (some 2-3
 * ms before a JIT has seen it): in the log-in, not in the session's first round trip (issue 18). What it costs a
 * session that never shares memory: two sealed memfds of a few touched pages, and their mappings.
 */
final class SessionMemory implements AutoCloseable {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.session");
    }

    private final ServerApp server;
    private final boolean serverSide;
    private final ArenaConfig settings;
    private final String mineName;
    private final String peersName;
    private final Supplier<ShmArena> serverAppArena; // server side: the SessionServer's, shared; client: null
    private final String appArenaName;
    private final MemorySocket socket;
    /**
     * Per scope: whether this side posted that arena's control object to this peer, and for each segment slot which
     * incarnation it posted last (generation + 1; 0 = none).
     */
    private final boolean[] controlPosted = new boolean[SessionHandle.Scope.values().length];
    private final int[][] segmentsPosted = new int[SessionHandle.Scope.values().length][];
    private ShmArena lentApp; // server side: the app arena, once this session lent from it
    private ShmArena mine;
    private ShmArena peers;
    private ShmArena app; // client side only: its attachment to the server's app arena
    private boolean closed;

    SessionMemory(ServerApp app, boolean serverSide, long serverPid, long clientPid, long sessionId, ArenaConfig settings,
            Supplier<ShmArena> serverAppArena, MemorySocket socket) {
        this.server = app;
        this.socket = socket;
        this.serverSide = serverSide;
        this.settings = settings;
        String serverArena = "s" + sessionId;
        String clientArena = "c" + serverPid + "-" + sessionId;
        String serverName = name(serverPid, serverArena);
        String clientName = name(clientPid, clientArena);
        this.mineName = serverSide ? serverName : clientName;
        this.peersName = serverSide ? clientName : serverName;
        this.serverAppArena = serverAppArena;
        this.appArenaName = name(serverPid, "app");
    }

    private String name(long pid, String arena) {
        return "ipc4j." + server.name() + "." + pid + "." + arena;
    }

    private CounterRecord counters; // guarded by this

    /** Where this side's session arena counts: a child of the session's record (set once, by the session). */
    synchronized void countInto(CounterRecord session) {
        this.counters = session;
        if (mine != null) { // made at log-in, before the session had its record
            mine.countInto(session.child(RecordType.ARENA, 0, "session arena"));
        }
    }

    /** This side's session-scope arena: made at log-in ({@link #open}), or here if something asks before. */
    synchronized ShmArena mine() {
        ensureOpen();
        if (mine == null) {
            String arena = mineName.substring(mineName.lastIndexOf('.') + 1);
            try {
                mine = ShmArena.create(ShmArena.Config.of(server.name(), arena).withOwnership(ShmArena.Ownership.OWNED)
                        .withPermissions(server.permissions().shm()).withSegmentSize(settings.segmentSize()).withQuota(settings.quota()));
            } catch (IOException e) {
                throw new UncheckedIOException("creating session arena " + mineName, e);
            }
            if (counters != null) {
                mine.countInto(counters.child(RecordType.ARENA, 0, "session arena"));
            }
        }
        return mine;
    }

    /** The server's app-scope arena: the server's own, or the client's read-only attachment, made on first use. */
    synchronized ShmArena app() {
        ensureOpen();
        if (serverSide) {
            return serverAppArena.get();
        }
        if (app == null) {
            app = attach(appArenaName);
        }
        return app;
    }

    private synchronized ShmArena peers() {
        ensureOpen();
        if (peers == null) {
            peers = attach(peersName);
        }
        return peers;
    }

    /**
     * Log-in: makes this side's session arena and posts its control object to the peer, then maps the peer's if the peer
     * posted it already (the server does, before it answers the log-in).
     *
     * @throws RuntimeException ({@link ShmIoException}, {@link UncheckedIOException}) when the arena cannot be made or
     *     posted, or the peer's cannot be mapped
     */
    void open() {
        ShmArena arena = mine();
        SessionHandle.Scope scope = serverSide ? SessionHandle.Scope.SERVER_SESSION : SessionHandle.Scope.CLIENT_SESSION;
        synchronized (this) {
            try {
                postControl(scope, arena);
            } catch (IOException | TransportException | SessionException e) {
                throw new ShmIoException("giving the peer " + arena.name(), e);
            }
        }
        attachPeerIfPosted();
    }

    /** Maps the peer's session arena once its control object is here (cheap when it is mapped already). */
    private void attachPeerIfPosted() {
        synchronized (this) {
            if (peers != null || closed) {
                return;
            }
        }
        if (socket.holds(serverSide ? SessionHandle.Scope.CLIENT_SESSION : SessionHandle.Scope.SERVER_SESSION, MemorySocket.CONTROL, 0)) {
            peers();
        }
    }

    private ShmArena attach(String name) {
        SessionHandle.Scope scope = name.equals(appArenaName) ? SessionHandle.Scope.SERVER_APP
                : serverSide ? SessionHandle.Scope.CLIENT_SESSION : SessionHandle.Scope.SERVER_SESSION;
        try {
            Fd control = socket.take(scope, MemorySocket.CONTROL, 0, 0);
            return ShmArena.attach(name, NativeHandle.adopt(control.release()),
                    (id, generation) -> NativeHandle.adopt(socket.take(scope, MemorySocket.SEGMENT, id, generation).release()),
                    ShmArena.LeakDetection.SAMPLED);
        } catch (IOException | TransportException | SessionException e) {
            throw new ShmIoException("attaching the peer's arena " + name, e);
        }
    }

    /**
     * Posts the arena's control object and the block's segment to the peer, the first time a handle names them: the
     * post goes out before the handle, so the peer finds it when the handle arrives.
     */
    private void post(SessionHandle.Scope scope, ShmArena arena, int segment) {
        int s = scope.ordinal();
        int generation = arena.segmentGeneration(segment);
        int[] posted = segmentsPosted[s];
        if (controlPosted[s] && posted != null && segment < posted.length && posted[segment] == generation + 1) {
            return;
        }
        try {
            postControl(scope, arena);
            NativeHandle handle = arena.segmentDescriptor(segment);
            if (handle == null || generation < 0) {
                throw new IOException("segment " + segment + " of " + arena.name() + " has no descriptor here");
            }
            try (Fd fd = Fd.adopt(handle.release())) {
                socket.post(scope, MemorySocket.SEGMENT, segment, generation, fd.stat().size(), fd);
            }
            if (segment >= segmentsPosted[s].length) {
                segmentsPosted[s] = java.util.Arrays.copyOf(segmentsPosted[s], Math.max(segment + 1, 2 * segmentsPosted[s].length));
            }
            segmentsPosted[s][segment] = generation + 1;
        } catch (IOException | TransportException | SessionException e) {
            throw new ShmIoException("giving the peer " + arena.name() + " segment " + segment, e);
        }
    }

    /** Under this: posts the arena's control object to the peer, unless it has it. */
    private void postControl(SessionHandle.Scope scope, ShmArena arena) throws IOException, TransportException, SessionException {
        int s = scope.ordinal();
        if (controlPosted[s]) {
            return;
        }
        if (scope == SessionHandle.Scope.SERVER_APP) {
            lentApp = arena;
        }
        try (Fd control = Fd.adopt(arena.controlDescriptor().release())) {
            socket.post(scope, MemorySocket.CONTROL, 0, 0, control.stat().size(), control);
        }
        controlPosted[s] = true;
        segmentsPosted[s] = new int[16];
    }

    /**
     * The session reader's periodic duty: takes what the peer posted off the socket (so it never fills), and closes
     * this process's descriptors of segments released meanwhile (so their memory goes). Returns why the peer's posts
     * break the protocol, or null.
     */
    String tick() {
        socket.drain();
        try {
            attachPeerIfPosted();
        } catch (ShmIoException e) {
            return "the peer's session arena cannot be mapped: " + e.getMessage();
        }
        ShmArena m;
        ShmArena p;
        ShmArena a;
        synchronized (this) {
            if (closed) {
                return null;
            }
            m = mine;
            p = peers;
            // The server's app arena, once this session lent from it: any of its sessions may tidy it.
            a = serverSide ? lentApp : app;
        }
        for (ShmArena arena : new ShmArena[] {m, p, a}) {
            if (arena != null) {
                try {
                    arena.closeReleasedSegments();
                } catch (RuntimeException e) {
                    Log.LOG.log(System.Logger.Level.DEBUG, "closing released segments of " + arena.name(), e);
                }
            }
        }
        return socket.violation();
    }

    SessionHandle lend(ShmBlock block) {
        ShmArena arena = block.arena();
        SessionHandle.Scope scope;
        synchronized (this) {
            if (arena == mine) {
                scope = serverSide ? SessionHandle.Scope.SERVER_SESSION : SessionHandle.Scope.CLIENT_SESSION;
            } else if (serverSide && serverAppArena != null && arena == serverAppArena.get()) {
                scope = SessionHandle.Scope.SERVER_APP;
            } else {
                throw new IllegalArgumentException("lend blocks of this session's arenas only, not of " + arena.name());
            }
        }
        SessionHandle handle = new SessionHandle(scope, arena.lend(block));
        synchronized (this) {
            post(scope, arena, handle.handle().segmentId());
        }
        remember(handle);
        return handle;
    }

    /**
     * Server side: posts the descriptor of the app arena's segment {@code segment} (and the arena's control object, the
     * first time) to this peer, unless it has that incarnation already, so the peer can borrow any block of it by a
     * handle that did not cross this session (publish/subscribe writes handles into shared memory instead).
     */
    void share(int segment) {
        if (!serverSide) {
            throw new IllegalStateException("only the server shares its app arena");
        }
        ShmArena arena = serverAppArena.get();
        synchronized (this) {
            ensureOpen();
            post(SessionHandle.Scope.SERVER_APP, arena, segment);
        }
    }

    /**
     * Borrows what {@code handle} names. A handle into this side's own memory (its session arena; on the server also the
     * app arena, which every client can map) is honoured only when this side lent that very block to this peer: a peer
     * that guessed or forged one could otherwise make this process read, and perhaps send back, memory never lent to
     * it, another client's included. Handles into the peer's memory are the peer's to give.
     *
     * @throws ShmException (a {@link InvalidHandleException} (MALFORMED)) for a handle into our memory that was not lent to this peer
     */
    Lease borrow(SessionHandle handle) {
        ShmArena arena = switch (handle.scope()) {
            case SERVER_SESSION -> serverSide ? mine() : peers();
            case CLIENT_SESSION -> serverSide ? peers() : mine();
            case SERVER_APP -> app();
        };
        if (ours(handle.scope()) && !wasLent(handle)) {
            throw InvalidHandleException.malformed("a handle into this process's " + handle.scope() + " memory that was never lent to this peer: "
                    + handle);
        }
        return arena.borrow(handle.handle());
    }

    /** The most recent blocks of our own memory lent to this peer that it may hand back (older ones are refused). */
    static final int LENT_REMEMBERED = 1 << 16;
    /** The blocks of our memory lent to this peer, oldest first: scope, segment, offset and block id (entry + generation). */
    private final java.util.LinkedHashSet<LentBlock> lentToPeer = new java.util.LinkedHashSet<>();

    private boolean ours(SessionHandle.Scope scope) {
        return switch (scope) {
            case SERVER_SESSION, SERVER_APP -> serverSide;
            case CLIENT_SESSION -> !serverSide;
        };
    }

    private record LentBlock(SessionHandle.Scope scope, int segmentId, long offset, long id) {
        static LentBlock of(SessionHandle h) {
            return new LentBlock(h.scope(), h.handle().segmentId(), h.handle().offset(), h.handle().generation());
        }

        // Written out: generated ones bootstrap through ObjectMethods on first use (some 10 ms in a fresh JVM), and the
        // first use is the session's first lend, inside its first round trip.
        @Override
        public boolean equals(Object o) {
            return o instanceof LentBlock b && b.scope == scope && b.segmentId == segmentId && b.offset == offset && b.id == id;
        }

        @Override
        public int hashCode() {
            return Long.hashCode((offset * 31 + id) * 31 + segmentId) * 31 + scope.ordinal();
        }
    }

    private synchronized void remember(SessionHandle h) {
        if (lentToPeer.add(LentBlock.of(h)) && lentToPeer.size() > LENT_REMEMBERED) {
            lentToPeer.removeFirst();
        }
    }

    private synchronized boolean wasLent(SessionHandle h) {
        return lentToPeer.contains(LentBlock.of(h));
    }

    /** Blocks of the peer's arenas this process still holds (leases not closed). */
    synchronized int heldFromPeer() {
        int held = 0;
        if (peers != null) {
            held += peers.blocksHeldHere();
        }
        if (app != null) {
            held += app.blocksHeldHere();
        }
        return held;
    }

    /**
     * Releases everything: this side's arena, the attachments, the descriptors. When the peer died, also what it held
     * of the server's app arena (its own arena has no name to remove: its memory goes with the last descriptor).
     */
    void close(boolean peerDied) {
        ShmArena m;
        ShmArena p;
        ShmArena a;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            m = mine;
            p = peers;
            a = app;
        }
        // What the user still holds of the peer's memory stays readable until closed, whoever ended the session: the
        // memory is a memfd no one can shrink, and our holds keep the owner from reusing it meanwhile.
        closeWhenReleased(p);
        closeWhenReleased(a);
        Closing.quietly(m, System.Logger.Level.WARNING);
        socket.close();
        if (peerDied) {
            // A client can hold blocks of the app arena only if this session gave it the arena's control object.
            ShmArena lent;
            synchronized (this) {
                lent = lentApp;
            }
            if (lent != null) {
                try {
                    lent.reclaimDeadHolders(); // fails harmlessly when the server closed it meanwhile
                } catch (RuntimeException e) {
                    Log.LOG.log(System.Logger.Level.DEBUG, "reclaiming a dead client's holds in the app arena", e);
                }
            }
        }
    }

    private static void closeWhenReleased(ShmArena arena) {
        if (arena != null) {
            try {
                arena.closeWhenReleased();
            } catch (IOException e) {
                Log.LOG.log(System.Logger.Level.WARNING, "closing " + arena.name(), e);
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the session has ended: its shared memory is released");
        }
    }

    @Override
    public void close() {
        close(false);
    }
}
