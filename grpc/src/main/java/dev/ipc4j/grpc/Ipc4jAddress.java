package dev.ipc4j.grpc;

import dev.ipc4j.session.SessionPeer;
import java.io.Serial;
import java.net.SocketAddress;
import java.util.Objects;

/**
 * Where an ipc4j gRPC call comes from or goes to, as gRPC's {@code Grpc.TRANSPORT_ATTR_REMOTE_ADDR} and
 * {@code TRANSPORT_ATTR_LOCAL_ADDR} carry it: the app's name and, for a peer, the process the kernel vouched for at
 * log-in (SO_PEERCRED: pid, uid, gid; -1 where not known).
 */
public final class Ipc4jAddress extends SocketAddress {
    @Serial
    private static final long serialVersionUID = 1L;
    private final String app;
    private final long pid;
    private final int uid;
    private final int gid;

    public Ipc4jAddress(String app, long pid, int uid, int gid) {
        this.app = Objects.requireNonNull(app, "app");
        this.pid = pid;
        this.uid = uid;
        this.gid = gid;
    }

    /** A session's peer as an address. */
    public static Ipc4jAddress of(SessionPeer peer) {
        return new Ipc4jAddress(peer.app(), peer.process().pid(), peer.process().uid(), peer.process().gid());
    }

    /** An app with no process named (this side's own address). */
    public static Ipc4jAddress app(String app) {
        return new Ipc4jAddress(app, -1, -1, -1);
    }

    public String app() {
        return app;
    }

    public long pid() {
        return pid;
    }

    public int uid() {
        return uid;
    }

    public int gid() {
        return gid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipc4jAddress a && a.app.equals(app) && a.pid == pid && a.uid == uid && a.gid == gid;
    }

    @Override
    public int hashCode() {
        return Objects.hash(app, pid, uid, gid);
    }

    @Override
    public String toString() {
        return pid < 0 ? "ipc4j:" + app : "ipc4j:" + app + "[pid " + pid + ", uid " + uid + ", gid " + gid + "]";
    }
}
