package dev.ipc4j.shm;

import static dev.ipc4j.shm.ArenaLayout.E_HOLDERS;
import static dev.ipc4j.shm.ArenaLayout.LONG;

import java.lang.foreign.MemorySegment;

/**
 * The cross-process reference count of a block: one bit per process slot in the entry's HOLDERS word.
 *
 * <p>Invariant: HOLDERS is 0 exactly when the block is free. A bit is set only on a word that is already non-zero
 * (so a freed block can never be revived by a late borrower), and the process whose clear makes the word 0 is the one
 * and only process that frees the block. Each process counts its own holds of a block in private memory
 * ({@link LocalHolds}); its bit stands for "this process holds it at least once", so a crash is undone by clearing
 * one bit per block.
 */
final class Holders {
    private Holders() {}

    /** Sets {@code bit} unless the block is free; false when it is. */
    static boolean add(MemorySegment control, long entry, long bit) {
        while (true) {
            long word = (long) LONG.getAcquire(control, entry + E_HOLDERS);
            if (word == 0) {
                return false;
            }
            if ((word & bit) != 0 || LONG.compareAndSet(control, entry + E_HOLDERS, word, word | bit)) {
                return true;
            }
        }
    }

    /** Clears {@code bit}; true when this made the block free, so the caller must free it. */
    static boolean remove(MemorySegment control, long entry, long bit) {
        while (true) {
            long word = (long) LONG.getAcquire(control, entry + E_HOLDERS);
            if ((word & bit) == 0) {
                return false;
            }
            long next = word & ~bit;
            if (LONG.compareAndSet(control, entry + E_HOLDERS, word, next)) {
                return next == 0;
            }
        }
    }

    static boolean isFree(MemorySegment control, long entry) {
        return (long) LONG.getAcquire(control, entry + E_HOLDERS) == 0;
    }
}
