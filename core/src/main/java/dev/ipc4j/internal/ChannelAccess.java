package dev.ipc4j.internal;

import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerIdentity;
import dev.ipc4j.transport.TransportException;
import java.util.Objects;

/**
 * The session layer's way to set a channel up over a socket it passed itself, without making that factory (whose
 * parameters are internal types) part of the public API: {@link Channel} registers its factory here when it is
 * initialized, and {@code dev.ipc4j.session} calls {@link #overPassedSocket}. Only this module can reach it, because
 * this package is not exported.
 */
public final class ChannelAccess {
    /** {@link Channel}'s factory for a socket-pair end whose other end went to {@code peer}. */
    @FunctionalInterface
    public interface Factory {
        Channel create(UnixSocket socket, boolean createsRing, Channel.Config config, PeerIdentity peer, PidFd peerPid)
                throws TransportException;
    }

    private static volatile Factory factory;

    private ChannelAccess() {}

    /** Called once, by {@link Channel}'s static initializer. */
    public static void set(Factory f) {
        factory = Objects.requireNonNull(f);
    }

    /**
     * See {@code Channel.overPassedSocket}: a channel over {@code socket}, one end of a pair whose other end went to
     * {@code peer}, with the peer's identity and pidfd (which the channel takes over) established by the caller.
     */
    public static Channel overPassedSocket(UnixSocket socket, boolean createsRing, Channel.Config config,
            PeerIdentity peer, PidFd peerPid) throws TransportException {
        Factory f = factory;
        if (f == null) {
            try {
                Class.forName(Channel.class.getName(), true, Channel.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new AssertionError(impossible);
            }
            f = factory;
        }
        return f.create(socket, createsRing, config, peer, peerPid);
    }
}
