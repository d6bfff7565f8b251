package dev.ipc4j.shm;

import static dev.ipc4j.shm.ArenaLayout.E_NEXT;
import static dev.ipc4j.shm.ArenaLayout.INT;
import static dev.ipc4j.shm.ArenaLayout.LONG;

import java.lang.foreign.MemorySegment;

/**
 * A lock-free stack of block entries in shared memory (Treiber stack), one per size class, safe between threads and
 * processes.
 *
 * <p>Invariant: the head word is {@code tag << 32 | (entry + 1)} (0 = empty) and every entry on the stack links to the
 * next by its NEXT field (entry + 1, 0 = end). The tag grows with every successful push or pop, so a head that was
 * popped and pushed back between our read and our CAS (ABA) fails the CAS. A link read from SHM is data: an index out
 * of the table ends the pop with "empty" instead of touching memory outside it.
 */
final class FreeList {
    private static final long INDEX_MASK = 0xffff_ffffL;

    private FreeList() {}

    /** Pops an entry index, or -1 when the list is empty. */
    static int pop(MemorySegment control, long head, long entries, int maxEntries) {
        while (true) {
            long word = (long) LONG.getAcquire(control, head);
            long top = word & INDEX_MASK;
            if (top == 0 || top > maxEntries) {
                return -1;
            }
            int entry = (int) (top - 1);
            long next = Integer.toUnsignedLong((int) INT.getAcquire(control, entries + entry * ArenaLayout.ENTRY_SIZE + E_NEXT));
            if (next > maxEntries) {
                next = 0; // a corrupt link: drop the rest of the list rather than follow it
            }
            long tag = (word >>> 32) + 1;
            if (LONG.compareAndSet(control, head, word, tag << 32 | next)) {
                return entry;
            }
        }
    }

    static void push(MemorySegment control, long head, long entries, int entry) {
        long link = entries + entry * ArenaLayout.ENTRY_SIZE + E_NEXT;
        while (true) {
            long word = (long) LONG.getAcquire(control, head);
            INT.setRelease(control, link, (int) (word & INDEX_MASK));
            long tag = (word >>> 32) + 1;
            if (LONG.compareAndSet(control, head, word, tag << 32 | (entry + 1L))) {
                return;
            }
        }
    }
}
