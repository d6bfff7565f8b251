package dev.ipc4j.session;

import dev.ipc4j.shm.InvalidHandleException;
import dev.ipc4j.shm.ShmHandle;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What crosses a session instead of a block's bytes: which of the session's arenas holds the block, and the block's
 * {@link ShmHandle}. {@link Session#lend} makes one, {@link Session#borrow} in the peer turns it into a lease.
 *
 * <pre>
 * Serialized: 40 bytes, little-endian
 *  0       1               8                                        40
 *  +-------+---------------+----------------------------------------+
 *  | SCOPE | 0 (7 bytes)   | ShmHandle (32 bytes)                   |
 *  +-------+---------------+----------------------------------------+
 * </pre>
 */
public record SessionHandle(Scope scope, ShmHandle handle) {
    /** The serialized size. */
    public static final int BYTES = 8 + ShmHandle.BYTES;

    /** Which arena: named by who owns it, so the value means the same on both sides. */
    public enum Scope {
        /** The server's arena of this session: freed when the session ends. */
        SERVER_SESSION,
        /** The client's arena of this session: freed when the session ends. */
        CLIENT_SESSION,
        /** The server's app-scope arena: outlives sessions, shared by all of them. */
        SERVER_APP
    }

    public SessionHandle {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(handle, "handle");
    }

    /** Writes the handle's {@link #BYTES} bytes at {@code at} of {@code to}. */
    public void writeTo(MemorySegment to, long at) {
        to.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at, scope.ordinal() + 1);
        handle.writeTo(to, at + 8);
    }

    /** Reads what {@link #writeTo} wrote; anything else gives a {@link InvalidHandleException} (MALFORMED). */
    public static SessionHandle readFrom(MemorySegment from, long at) {
        if (at < 0 || from.byteSize() - at < BYTES) {
            throw InvalidHandleException.malformed("a session handle needs " + BYTES + " bytes at " + at + " of " + from.byteSize());
        }
        long word = from.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, at);
        Scope[] scopes = Scope.values();
        if (word < 1 || word > scopes.length) {
            throw InvalidHandleException.malformed("not a session handle: scope word 0x" + Long.toHexString(word));
        }
        return new SessionHandle(scopes[(int) word - 1], ShmHandle.readFrom(from, at + 8));
    }

    /** The handle in its {@link #BYTES}-byte wire form, as {@link #writeTo} writes it. */
    public byte[] toBytes() {
        byte[] bytes = new byte[BYTES];
        writeTo(MemorySegment.ofArray(bytes), 0);
        return bytes;
    }

    /** Reads what {@link #toBytes()} wrote; anything else gives a {@link InvalidHandleException} (MALFORMED). */
    public static SessionHandle fromBytes(byte[] bytes) {
        return readFrom(MemorySegment.ofArray(bytes), 0);
    }
}
