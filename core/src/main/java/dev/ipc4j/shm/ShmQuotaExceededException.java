package dev.ipc4j.shm;

import dev.ipc4j.Ipc4jException.Category;

/** An allocation would take the arena past its byte quota; nothing was allocated. */
public final class ShmQuotaExceededException extends ShmException {
    private static final long serialVersionUID = 1L;

    private final long requested;
    private final long used;
    private final long quota;

    ShmQuotaExceededException(String arena, long requested, long used, long quota) {
        super("arena " + arena + ": allocating " + requested + " bytes would exceed its quota of " + quota
                + " bytes (" + used + " in use)");
        this.requested = requested;
        this.used = used;
        this.quota = quota;
    }

    /** Bytes the refused allocation asked for. */
    public long requested() {
        return requested;
    }

    /** Bytes the arena had taken when it refused. */
    public long used() {
        return used;
    }

    /** The arena's quota in bytes. */
    public long quota() {
        return quota;
    }

    @Override
    public Category category() {
        return Category.CAPACITY;
    }
}
