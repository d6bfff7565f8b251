/**
 * Moving bytes between two processes of one host, and the threads that drive them.
 *
 * <ul>
 *   <li>A {@link dev.ipc4j.transport.Channel} joins two processes: a {@link dev.ipc4j.transport.SocketPipe} (a Unix
 *       socket, which also passes descriptors as {@link dev.ipc4j.NativeHandle}s) and optionally a
 *       {@link dev.ipc4j.transport.RingPipe} (two single-producer single-consumer rings in a shared memfd, with an
 *       eventfd doorbell per sleeping reader). Messages go as {@link dev.ipc4j.transport.BlobView}s, valid during the
 *       handler call that receives them.</li>
 *   <li>Pipes are caller-driven: {@code poll} reads what is there and returns; {@code trySend} never waits;
 *       {@code send} waits for ring room as the pipe's {@link dev.ipc4j.transport.WaitStrategy} says. A full ring is
 *       how a slow reader slows its writer.</li>
 *   <li>An {@link dev.ipc4j.transport.Agent} is work with no thread of its own; a {@link dev.ipc4j.transport.Runner}
 *       drives any number of them on threads from the user's {@code ThreadFactory}, sleeping in one
 *       {@code epoll_wait} on every doorbell and socket they registered in a {@link dev.ipc4j.transport.WaitSet}.</li>
 *   <li>Errors are {@link dev.ipc4j.transport.TransportException}s: the peer gone, the pipe closed, or a protocol
 *       violation (anything malformed the peer wrote), which closes that pipe only.</li>
 * </ul>
 *
 * <p>Layouts and the wake-up protocol are in docs/wire-format.md and {@code RingLayout}.
 */
package dev.ipc4j.transport;
