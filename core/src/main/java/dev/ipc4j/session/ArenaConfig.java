package dev.ipc4j.session;

import dev.ipc4j.shm.ShmArena;

/**
 * Sizes of a session's shared memory: each side's session-scope arena and the server's app-scope arena are created
 * with these (lazily, on first use), with the server app's {@link Permissions}.
 *
 * @param segmentSize bytes per data segment (a power of two from 64 KiB to 4 GiB; larger blocks get their own)
 * @param quota most bytes one arena may hand out at once
 */
public record ArenaConfig(long segmentSize, long quota) {
    public static final ArenaConfig DEFAULT = new ArenaConfig(64L << 20, 1L << 40);

    /** Checks both by the arena's own rules ({@link ShmArena.Config}), so they are written once. */
    public ArenaConfig {
        ShmArena.Config.of("session", "check").withSegmentSize(segmentSize).withQuota(quota);
    }
}
