package dev.ipc4j.bench.demo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * How the demo's response travels zero-copy: built once in shared memory by the server, only a handle crosses the
 * channel, the client reads the root in place. The request/response exchange over a {@code Channel}, the clock and the
 * copied baseline are the demo's; everything about the message (where it lives, its format, its handle) is the mode's.
 *
 * <p>{@link RawShmDemo} is the implementation today (a raw parts layout in an OWNED {@code ShmArena}). A structured
 * implementation (e.g. FlatBuffers built in SHM) implements this interface, registers in {@link ZeroCopyModes}, and is
 * chosen with {@code ./ipc4j demo --zero-copy NAME}; the server JVM gets the same name.
 *
 * <p>Hot-path contract: {@link Server#lend} and {@link Client#receiveRoot} run inside the timed round trip and must not
 * touch the payload's parts (no prefault, no per-part reads); {@link Client#verify} runs after the clock stopped.
 */
public interface ZeroCopyMode {
    /** The name used with {@code --zero-copy} and in reports. */
    String name();

    /** One line for reports: where the message lives and what the handle is. */
    String description();

    /** Opens the server side (e.g. creates its arena) in the server JVM. */
    Server openServer(String app) throws IOException;

    /** Opens the client side in the client JVM with what {@link Server#attachInfo()} gave (one word, no spaces). */
    Client openClient(String attachInfo) throws IOException;

    /** The server side: owns the memory responses are built in. */
    interface Server extends AutoCloseable {
        /** What the client needs to reach the server's memory, e.g. an arena name; one word. */
        String attachInfo();

        /**
         * Builds a response of exactly {@code payloadBytes} (16 KiB parts with sizes and hashes) and faults in its
         * memory, before any clock starts; the response is re-lent for every round trip until {@link #release()}.
         *
         * @param corruptPart test hook: flip a byte of this part after hashing it; -1 for none
         */
        void build(long payloadBytes, int corruptPart) throws IOException;

        /** Bytes of the handle {@link #lend} writes. */
        int handleBytes();

        /** Writes the handle of the built response at {@code at} of {@code to}; allocation-free. */
        void lend(MemorySegment to, long at);

        /** Gives back the built response. */
        void release();

        @Override
        void close() throws IOException;
    }

    /** The client side: turns a received handle into a readable root. */
    interface Client extends AutoCloseable {
        /**
         * Takes a hold on the response named by the {@code length}-byte handle at {@code at} of {@code from} (a
         * received message, read in place) and reads its root; returns the part count. When this returns the clock
         * stops: the root is held and readable.
         */
        int receiveRoot(MemorySegment from, long at, int length) throws CorruptMessageException;

        /** Checks every part of the held response against its hash (outside the clock). */
        void verify() throws CorruptMessageException;

        /** Gives back the hold {@link #receiveRoot} took; a no-op when nothing is held. */
        void release();

        @Override
        void close() throws IOException;
    }
}
