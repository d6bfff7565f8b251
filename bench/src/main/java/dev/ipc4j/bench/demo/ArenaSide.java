package dev.ipc4j.bench.demo;

import dev.ipc4j.shm.ShmArena;
import java.io.IOException;

/** One side of a zero-copy mode that lives in an arena: closing gives back what it holds, then the arena. */
abstract class ArenaSide implements AutoCloseable {
    final ShmArena arena;
    /** The block this side holds (a client's borrowed response), or -1. */
    long held = -1;

    ArenaSide(ShmArena arena) {
        this.arena = arena;
    }

    /** Gives back what this side holds; a no-op when nothing is held. */
    public abstract void release();

    /** Frees the held block id, if any (a client's {@link #release}). */
    final void freeHeld() {
        if (held != -1) {
            long block = held;
            held = -1;
            arena.free(block);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            release();
        } finally {
            arena.close();
        }
    }
}
