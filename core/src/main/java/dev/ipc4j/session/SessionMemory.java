package dev.ipc4j.session;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.MalformedHandleException;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/**
 * A session's shared memory as Flow-IPC's arena-lending provider sees it: each side allocates in an OWNED arena of its
 * own (the peer maps it read-only, so a crashing or hostile peer cannot corrupt it), and the server also lends from
 * its app-scope arena, which outlives sessions. Every arena is created or attached on first use, so a session that
 * never shares memory costs nothing. Names: {@code ipc4j.SERVERAPP.SERVERPID.s<id>} (server's session arena),
 * {@code ipc4j.SERVERAPP.CLIENTPID.c<serverpid>-<id>} (client's), {@code ipc4j.SERVERAPP.SERVERPID.app}.
 */
final class SessionMemory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.session");

    private final ServerApp server;
    private final boolean serverSide;
    private final ArenaSettings settings;
    private final String mineName;
    private final String peersName;
    private final Supplier<ShmArena> serverAppArena; // server side: the SessionServer's, shared; client: null
    private final String appArenaName;
    private ShmArena mine;
    private ShmArena peers;
    private ShmArena app; // client side only: its attachment to the server's app arena
    private boolean closed;

    SessionMemory(ServerApp app, boolean serverSide, long serverPid, long clientPid, long sessionId, ArenaSettings settings,
            Supplier<ShmArena> serverAppArena) {
        this.server = app;
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

    /** This side's session-scope arena, created on first use. */
    synchronized ShmArena mine() {
        ensureOpen();
        if (mine == null) {
            String arena = mineName.substring(mineName.lastIndexOf('.') + 1);
            try {
                mine = ShmArena.create(ShmArena.context().app(server.name()).arena(arena).kind(ShmArena.Kind.OWNED)
                        .permissions(server.permissions().shm()).segmentSize(settings.segmentSize()).quota(settings.quota()));
            } catch (IOException e) {
                throw new UncheckedIOException("creating session arena " + mineName, e);
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

    private static ShmArena attach(String name) {
        try {
            return ShmArena.attach(name);
        } catch (IOException e) {
            throw new UncheckedIOException("attaching arena " + name, e);
        }
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
        remember(handle);
        return handle;
    }

    /**
     * Borrows what {@code handle} names. A handle into this side's own memory (its session arena; on the server also the
     * app arena, which every client can map) is honoured only when this side lent that very block to this peer: a peer
     * that guessed or forged one could otherwise make this process read, and perhaps send back, memory never lent to
     * it, another client's included. Handles into the peer's memory are the peer's to give.
     *
     * @throws ShmException (a {@link MalformedHandleException}) for a handle into our memory that was not lent to this peer
     */
    Lease borrow(SessionHandle handle) {
        ShmArena arena = switch (handle.scope()) {
            case SERVER_SESSION -> serverSide ? mine() : peers();
            case CLIENT_SESSION -> serverSide ? peers() : mine();
            case SERVER_APP -> app();
        };
        if (ours(handle.scope()) && !wasLent(handle)) {
            throw new MalformedHandleException("a handle into this process's " + handle.scope() + " memory that was never lent to this peer: "
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
     * Releases everything: this side's arena (its names removed), the attachments. When the peer died, also what it
     * held of the server's app arena, and its own session arena's names (it cannot remove them any more).
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
        closeQuietly(p);
        closeQuietly(a);
        closeQuietly(m);
        if (peerDied) {
            if (serverSide && serverAppArena != null) {
                try {
                    serverAppArena.get().reclaimDeadHolders();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "reclaiming a dead client's holds in the app arena", e);
                }
            }
            try {
                ShmSweeper.sweepArena(ShmSweeper.SHM_DIRECTORY, peersName);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "removing the dead peer's arena " + peersName, e);
            }
        }
    }

    private static void closeQuietly(ShmArena arena) {
        if (arena != null) {
            try {
                arena.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + arena.name(), e);
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
