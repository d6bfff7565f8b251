package dev.ipc4j.session;

import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.transport.Channel;
import java.util.List;

/** The server's side of a session with one client process; {@link SessionServer} hands these out. */
public final class ServerSession extends Session {
    private final ServerApp server;
    private final ClientApp client;

    ServerSession(ServerApp server, ClientApp client, long id, long token, SessionPeer peer, Channel control, PidFd peerPid,
            SessionConfig config, SessionMemory memory, List<Channel> channels, List<byte[]> metadata, CounterRecord counters) {
        super(id, token, peer, control, peerPid, config, memory, channels, metadata, counters);
        this.server = server;
        this.client = client;
    }

    /** The client app's description, as this server knows it. */
    public ClientApp clientApp() {
        return client;
    }

    /**
     * Lets the client borrow blocks of {@link #appArena()}'s segment {@code segment} by handles that never crossed
     * this session (a protocol that writes handles into shared memory itself, as publish/subscribe does): the
     * segment's descriptor is posted to the client unless it has that incarnation already; cheap when it has. The
     * client can then borrow any block of that segment it learns a handle of (it maps the app arena read-only, as for
     * every block lent to it): keep what other clients must not read out of the app arena's shared segments.
     *
     * @throws IllegalStateException when the session has ended
     * @throws dev.ipc4j.shm.ShmIoException when the descriptor cannot be posted (the client does not take them)
     */
    public void shareAppSegment(int segment) {
        shareApp(segment);
    }

    @Override
    public ServerApp serverApp() {
        return server;
    }
}
