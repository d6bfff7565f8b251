package dev.ipc4j.transport;

/** The peer process as the kernel reports it ({@code SO_PEERCRED}): it cannot be forged by the peer. */
public record PeerIdentity(long pid, int uid, int gid) {}
