package dev.ipc4j.message;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The process's reusable native buffers for inline {@link OutMessage}s (small messages, and every message of a channel
 * without shared memory): header room plus payload, in power-of-two classes from {@value #SMALLEST} to
 * {@value #LARGEST} bytes. Why a pool: a buffer of its own per message would be an {@code Arena.ofShared()} per
 * message, and closing a shared arena is a handshake with every thread of the JVM (a stack walk each), which a busy
 * server paid on every response. A buffer larger than {@value #LARGEST} bytes still gets an arena of its own (the copy
 * into the pipe costs more than the handshake there).
 *
 * <p>Bounded: each class keeps at most {@value #KEPT} free buffers (about 8 MiB over all classes); a buffer given back
 * to a full class is left to the garbage collector (its memory comes from an automatic arena). A taken buffer is zeroed
 * over the bytes asked for, as a fresh allocation would be.
 *
 * <p>Thread-safe: {@link #take} and {@link #give} from any thread (one short lock per class). Reuse means a payload
 * segment kept past {@link OutMessage#close()} may show another message's bytes later; that is why
 * {@link OutMessage#payload()} says not to keep it.
 */
final class InlineBuffers {
    static final int SMALLEST = 256;
    static final int LARGEST = 64 << 10;
    static final int KEPT = 64;
    private static final int SMALLEST_SHIFT = Integer.numberOfTrailingZeros(SMALLEST);
    private static final Stack[] CLASSES = new Stack[Integer.numberOfTrailingZeros(LARGEST) - SMALLEST_SHIFT + 1];

    static {
        for (int i = 0; i < CLASSES.length; i++) {
            CLASSES[i] = new Stack(SMALLEST << i);
        }
    }

    private InlineBuffers() {}

    /** Whether a frame of {@code bytes} comes from the pool (else the caller gives it an arena of its own). */
    static boolean pooled(long bytes) {
        return bytes <= LARGEST;
    }

    /** A buffer of at least {@code bytes} (at most {@link #LARGEST}), 16-byte aligned, its first {@code bytes} zero. */
    static MemorySegment take(long bytes) {
        Stack s = CLASSES[classOf(bytes)];
        MemorySegment b = s.pop();
        if (b == null) {
            return Arena.ofAuto().allocate(s.size, 16);
        }
        b.asSlice(0, bytes).fill((byte) 0);
        return b;
    }

    /** Gives back a buffer {@link #take} returned; the caller no longer touches it. */
    static void give(MemorySegment buffer) {
        int size = (int) buffer.byteSize();
        CLASSES[classOf(size)].push(buffer);
    }

    private static int classOf(long bytes) {
        if (bytes <= SMALLEST) {
            return 0;
        }
        return 64 - Long.numberOfLeadingZeros(bytes - 1) - SMALLEST_SHIFT;
    }

    /** One class's free buffers, at most {@link #KEPT}. */
    private static final class Stack {
        final int size;
        private final MemorySegment[] free = new MemorySegment[KEPT];
        private int count; // guarded by this

        Stack(int size) {
            this.size = size;
        }

        synchronized MemorySegment pop() {
            if (count == 0) {
                return null;
            }
            MemorySegment b = free[--count];
            free[count] = null;
            return b;
        }

        synchronized void push(MemorySegment b) {
            if (count < KEPT) {
                free[count++] = b;
            }
        }
    }
}
