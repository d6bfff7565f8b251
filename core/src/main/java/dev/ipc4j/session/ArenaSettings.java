package dev.ipc4j.session;

import dev.ipc4j.shm.ShmArena;

/**
 * Sizes of a session's shared memory: each side's session-scope arena and the server's app-scope arena are created
 * with these (lazily, on first use), with the server app's {@link Permissions}.
 *
 * @param segmentSize bytes per data segment (a power of two from 64 KiB to 4 GiB; larger blocks get their own)
 * @param quota most bytes one arena may hand out at once
 */
public record ArenaSettings(long segmentSize, long quota) {
    public static final ArenaSettings DEFAULT = new ArenaSettings(64L << 20, 1L << 40);

    public ArenaSettings {
        if (Long.bitCount(segmentSize) != 1 || segmentSize < (64 << 10) || segmentSize > ShmArena.MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("segment size must be a power of two from 64 KiB to 4 GiB: " + segmentSize);
        }
        if (quota <= 0) {
            throw new IllegalArgumentException("quota must be positive: " + quota);
        }
    }
}
