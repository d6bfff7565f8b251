/**
 * Structured messages over a session's channels: {@link dev.ipc4j.message.MessageChannel} (notifications, requests
 * with one response or a stream, handlers per type, early-arrival caching), {@link dev.ipc4j.message.OutMessage}
 * (built in place in shared memory), {@link dev.ipc4j.message.InMessage} (read in place under a lease), and the
 * {@link dev.ipc4j.message.Codec} SPI that codec modules implement. The frame layout is in {@code Wire} and
 * docs/wire-format.md.
 */
package dev.ipc4j.message;
