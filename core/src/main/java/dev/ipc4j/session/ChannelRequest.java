package dev.ipc4j.session;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.transport.Channel;
import java.io.IOException;

/**
 * The peer asks for a channel: read its {@link #metadata()}, then {@link #accept()} or {@link #refuse}. Given to the
 * handler set with {@link Session#onChannel}; a request the handler leaves undecided is refused when it returns.
 */
public final class ChannelRequest {
    private final Session session;
    private final long requestId;
    private final byte[] metadata;
    private final UnixSocket socket;
    private boolean decided;

    ChannelRequest(Session session, long requestId, byte[] metadata, UnixSocket socket) {
        this.session = session;
        this.requestId = requestId;
        this.metadata = metadata;
        this.socket = socket;
    }

    /** What the peer said about the channel it wants (a copy). */
    public byte[] metadata() {
        return metadata.clone();
    }

    /** The session the peer asks on. */
    public Session session() {
        return session;
    }

    /**
     * Accepts: the channel is set up with the peer (which is waiting for it) and returned; it is closed with the
     * session at the latest.
     *
     * @throws IllegalStateException when already decided
     * @throws IOException when the peer gave up meanwhile (e.g. its request timed out) or the session ended
     */
    public Channel accept() throws IOException {
        decide();
        try {
            session.send(new Control.Opened(requestId));
        } catch (IOException | Ipc4jException e) {
            Closing.quietly(socket);
            throw e;
        }
        return session.newChannel(socket, false);
    }

    /** Refuses: the peer's request fails with {@link ChannelRefusedException} carrying {@code reason}. */
    public void refuse(String reason) {
        decide();
        try {
            session.send(new Control.OpenRefused(requestId, reason));
        } catch (IOException | Ipc4jException e) {
            // the session is ending: the peer learns it from that
        } finally {
            Closing.quietly(socket);
        }
    }

    public synchronized boolean isDecided() {
        return decided;
    }

    private synchronized void decide() {
        if (decided) {
            throw new IllegalStateException("channel request " + requestId + " was already accepted or refused");
        }
        decided = true;
    }

    void refuseIfUndecided(String reason) {
        synchronized (this) {
            if (decided) {
                return;
            }
        }
        try {
            refuse(reason);
        } catch (IllegalStateException raced) {
            // decided meanwhile by another thread
        }
    }

    /** The session ended before anyone decided: just let the socket go (the peer learns from the session's end). */
    void discard() {
        synchronized (this) {
            if (decided) {
                return;
            }
            decided = true;
        }
        Closing.quietly(socket);
    }
}
