/**
 * The library's entry facts: {@link dev.ipc4j.Ipc4j#version()} and {@link dev.ipc4j.Ipc4j#selfCheck()} (whether the
 * kernel facilities ipc4j needs work here: memfds and seals, futexes, Unix sockets passing descriptors, peer
 * credentials, pidfds).
 *
 * <p>The layers, each its own package, from the bottom: {@link dev.ipc4j.transport} (pipes between two processes: a
 * socket, a shared-memory ring; runners that drive them), {@link dev.ipc4j.shm} (arenas of shared memory, blocks,
 * handles, leases), {@link dev.ipc4j.session} (a server, its clients' log-ins, the channels and memory of each
 * session) and {@link dev.ipc4j.message} (structured messages, requests, streams and calls over a session's
 * channels). A user's code usually starts at {@link dev.ipc4j.session.SessionServer} and
 * {@link dev.ipc4j.session.ClientSession}, then opens a {@link dev.ipc4j.message.MessageChannel}.
 */
package dev.ipc4j;
