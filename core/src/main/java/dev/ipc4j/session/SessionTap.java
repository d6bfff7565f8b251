package dev.ipc4j.session;

import java.lang.foreign.MemorySegment;

/**
 * Sees each message that crosses a message channel of a server's sessions, both ways: what an observer's tap
 * ({@code dev.ipc4j.tap.Tap}) is built on. Set with {@link SessionServer#tap}; off (null) by default, and then the
 * message layer pays one volatile read per message.
 *
 * <p>Called on the thread that sent or read the message, with the payload in place (valid only during the call):
 * an implementation must copy what it keeps, must never block and must never throw; whatever it costs, every
 * message of the server pays.
 */
@FunctionalInterface
public interface SessionTap {
    /**
     * @param channel the channel's number in this process (what {@code ipc4j stat} shows as its id)
     * @param inbound true for a message the server read, false for one it sent
     * @param kind the frame's kind ({@code REQUEST}, {@code RESPONSE}, {@code NOTIFY}, {@code CALL_MESSAGE}, ...)
     * @param type the message's routing type
     * @param codec the channel's codec (a {@code dev.ipc4j.message.Codec}: that layer is above this one)
     * @param payload the payload, read-only, in place
     */
    void crossed(Session session, long channel, boolean inbound, String kind, int type, Object codec, MemorySegment payload);
}
