package dev.ipc4j.session;

import dev.ipc4j.os.PidFd;
import dev.ipc4j.transport.Channel;
import java.util.List;

/** The server's side of a session with one client process; {@link SessionServer} hands these out. */
public final class ServerSession extends Session {
    private final ServerApp server;
    private final ClientApp client;

    ServerSession(ServerApp server, ClientApp client, long id, long token, SessionPeer peer, Channel control, PidFd peerPid,
            SessionConfig config, SessionMemory memory, List<Channel> channels, List<byte[]> metadata) {
        super(id, token, peer, control, peerPid, config, memory, channels, metadata);
        this.server = server;
        this.client = client;
    }

    /** The client app's description, as this server knows it. */
    public ClientApp clientApp() {
        return client;
    }

    @Override
    public ServerApp serverApp() {
        return server;
    }
}
