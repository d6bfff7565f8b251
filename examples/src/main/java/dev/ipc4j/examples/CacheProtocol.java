package dev.ipc4j.examples;

import dev.ipc4j.session.SessionHandle;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The example's own tiny protocol on the session's first channel. A request is the key in UTF-8; the answer is
 * {@code [u8 found][u8 x 7 zero][u64 length][SessionHandle (40 bytes)]}: the value stays where the server put it, in
 * its app-scope shared memory, and only the handle travels.
 */
final class CacheProtocol {
    static final int ANSWER = 16 + SessionHandle.BYTES;

    private CacheProtocol() {}

    static void writeHit(MemorySegment answer, long length, SessionHandle handle) {
        answer.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 1);
        answer.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, length);
        handle.writeTo(answer, 16);
    }

    static void writeMiss(MemorySegment answer) {
        answer.fill((byte) 0);
    }
}
