package dev.ipc4j.os;

/**
 * Who is at the other end of a Unix socket, as the kernel recorded it at connect time ({@code SO_PEERCRED}); a peer
 * cannot forge it.
 *
 * <pre>
 * struct ucred (12 bytes): offset 0 pid i32 | offset 4 uid u32 | offset 8 gid u32
 * </pre>
 */
public record PeerCredentials(long pid, int uid, int gid) {
    static final long SIZE = 12;
    static final long PID = 0;
    static final long UID = 4;
    static final long GID = 8;

    /** This process's own credentials, to compare with what a peer sees. */
    public static PeerCredentials self() {
        return new PeerCredentials(ProcessHandle.current().pid(), Libc.getuid(), Libc.getgid());
    }
}
