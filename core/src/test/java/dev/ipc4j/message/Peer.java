package dev.ipc4j.message;

import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.testing.JvmChild;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parent's side of a message test: a server of the cache app, a {@link MessageChild} logged in to it, and a
 * message channel over each init channel of their session. Closing ends all of it, the child included.
 */
final class Peer implements AutoCloseable {
    final SessionServer server;
    final JvmChild child;
    final ServerSession session;
    final List<MessageChannel<MemorySegment>> channels = new ArrayList<>();

    private Peer(SessionServer server, JvmChild child, ServerSession session) {
        this.server = server;
        this.child = child;
        this.session = session;
    }

    /** A responder child with {@code channels} init channels. */
    static Peer responder(Path runDir, int channels, boolean socketOnly) throws Exception {
        Peer peer = start(runDir, socketOnly, channels, MessageChannel.Config.DEFAULT, "responder", runDir.toString(),
                Integer.toString(channels), Boolean.toString(socketOnly));
        try {
            peer.child.expect("READY");
        } catch (AssertionError e) {
            peer.close();
            throw e;
        }
        return peer;
    }

    static Peer start(Path runDir, boolean socketOnly, int channels, MessageChannel.Config config, String... childArgs)
            throws Exception {
        SessionServer server = SessionServer.start(Types.cache(runDir),
                SessionServer.Config.DEFAULT.withSession(Types.sessionConfig(socketOnly)));
        JvmChild child = null;
        try {
            child = JvmChild.start(MessageChild.class, childArgs);
            ServerSession session = server.accept(JvmChild.TIMEOUT);
            Peer peer = new Peer(server, child, session);
            for (int i = 0; i < channels; i++) {
                peer.channels.add(MessageChannel.over(session, session.channel(i), RawCodec.INSTANCE, config));
            }
            return peer;
        } catch (Exception | Error e) {
            if (child != null) {
                child.close();
            }
            server.close();
            throw e;
        }
    }

    MessageChannel<MemorySegment> channel(int i) {
        return channels.get(i);
    }

    @Override
    public void close() throws Exception {
        try {
            for (MessageChannel<MemorySegment> ch : channels) {
                ch.close();
            }
            if (child.process().isAlive()) {
                child.send("EXIT");
                child.awaitExit();
            }
        } finally {
            child.close();
            server.close();
        }
    }
}
