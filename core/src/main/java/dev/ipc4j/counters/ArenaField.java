package dev.ipc4j.counters;

/**
 * The values of a {@link RecordType#ARENA} record: one per arena this process creates, seen from this process (a
 * block the peer holds after this process let go is the peer's to count).
 */
public enum ArenaField implements Field {
    /** Blocks this process holds now: allocated here or borrowed, and not yet given back. */
    BLOCKS_HELD(0, "blocksHeld", true),
    /** Bytes (block capacities) this process holds now. */
    BYTES_HELD(1, "bytesHeld", true),
    /** The most bytes this process held at once. */
    BYTES_HELD_HIGH_WATER(2, "bytesHeldHighWater", true),
    /** Bytes the arena has taken from the system, in all processes (carved blocks and huge segments): the quota's measure. */
    BYTES_RESERVED(3, "bytesReserved", true),
    /** Blocks allocated here, ever. */
    ALLOCATIONS(4, "allocations", false),
    /** Allocations refused for the quota or the block table's size. */
    ALLOCATIONS_REFUSED(5, "allocationsRefused", false);

    private final int slot;
    private final String key;
    private final boolean gauge;

    ArenaField(int slot, String key, boolean gauge) {
        this.slot = slot;
        this.key = key;
        this.gauge = gauge;
    }

    @Override
    public int slot() {
        return slot;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public boolean gauge() {
        return gauge;
    }
}
