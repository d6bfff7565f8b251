package dev.ipc4j.session;

import dev.ipc4j.transport.PeerIdentity;
import java.util.Objects;

/**
 * The process on the other side of a session: the app it logged in as, and the process as the kernel reported it for
 * the socket (never as it claimed it). The identity is the one record of a peer process in the API,
 * {@link PeerIdentity}, the same a channel reports.
 *
 * @param app the peer's app name, checked against the server's allow-list at log-in
 * @param process the peer's pid, uid and gid from {@code SO_PEERCRED}
 */
public record SessionPeer(String app, PeerIdentity process) {
    /** Both are required. */
    public SessionPeer {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(process, "process");
    }
}
