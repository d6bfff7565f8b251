package dev.ipc4j.session;

/**
 * The process on the other side of a session: its app, and its pid, uid and gid as the kernel reported them for the
 * socket (never as it claimed them).
 */
public record SessionPeer(String app, long pid, int uid, int gid) {}
