package dev.ipc4j.examples;

import dev.ipc4j.session.SessionHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The example's messages, raw-codec payloads on a {@link dev.ipc4j.message.MessageChannel} over the session's first
 * channel (or any channel opened later). A {@link #GET} request's payload is the key in UTF-8; the response is a
 * {@link #HIT}, {@code [u64 length][SessionHandle (40 bytes)]}, or an empty {@link #MISS}: the value stays where the
 * server put it, in its app-scope shared memory, and only the handle travels.
 */
final class CacheProtocol {
    /** Message types (the message header's routing type). */
    static final int GET = 1;
    static final int HIT = 2;
    static final int MISS = 3;

    static final int HIT_BYTES = 8 + SessionHandle.BYTES;

    private CacheProtocol() {}

    static void writeHit(MemorySegment payload, long length, SessionHandle handle) {
        payload.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, length);
        handle.writeTo(payload, 8);
    }

    static long hitLength(MemorySegment payload) {
        return payload.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
    }

    static SessionHandle hitHandle(MemorySegment payload) {
        return SessionHandle.readFrom(payload, 8);
    }
}
