/**
 * Sessions between a server process and its client processes, as Flow-IPC has them: a
 * {@link dev.ipc4j.session.SessionServer} listens on a Unix socket in its app's run directory; a
 * {@link dev.ipc4j.session.ClientSession} logs in (the server checks the client's uid with {@code SO_PEERCRED} against
 * its {@link dev.ipc4j.session.ServerApp}'s allowed {@link dev.ipc4j.session.ClientApp}s); the server's side is a
 * {@link dev.ipc4j.session.ServerSession}. Both are a {@link dev.ipc4j.session.Session}: channels opened at log-in
 * or on demand, a shared-memory arena per side whose blocks cross as {@link dev.ipc4j.session.SessionHandle}s, and a
 * single end, told once as a {@link dev.ipc4j.session.SessionEnd} (closed here, closed by the peer, the peer gone, or a
 * protocol violation), after which everything the session held is released.
 *
 * <p>Configuration: {@link dev.ipc4j.session.SessionConfig} (channels, arenas, runner, time limits). The control
 * protocol is in {@code Control} and docs/wire-format.md; what a session guarantees when a peer fails or misbehaves is
 * in docs/reliability.md.
 */
package dev.ipc4j.session;
