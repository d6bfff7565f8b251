package dev.ipc4j.shm;

import static dev.ipc4j.shm.ArenaLayout.INT;
import static dev.ipc4j.shm.ArenaLayout.LONG;
import static dev.ipc4j.shm.ArenaLayout.SEGMENT_COUNT;
import static dev.ipc4j.shm.ArenaLayout.SEG_CREATING;
import static dev.ipc4j.shm.ArenaLayout.SEG_KIND;
import static dev.ipc4j.shm.ArenaLayout.SEG_READY;
import static dev.ipc4j.shm.ArenaLayout.SEG_RELEASED;
import static dev.ipc4j.shm.ArenaLayout.SEG_SIZE;
import static dev.ipc4j.shm.ArenaLayout.SEG_STATE;
import static dev.ipc4j.shm.ArenaLayout.segmentEntry;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An arena's data segments: the shared table of what exists (in the control object, see {@link ArenaLayout}) and this
 * process's mappings of them, made on first use and never moved.
 *
 * <p>Invariant: a segment is mapped here only once its shared state is READY, with the size the table gave, which
 * {@link dev.ipc4j.os.Mapping} checks against the object's real size, so a lying table cannot make a mapping reach
 * past the end of its object. New segments are added only under GROW_LOCK, so ids are handed out in order.
 */
final class SegmentTable {
    private final String arena;
    private final MemorySegment ctl;
    private final int maxSegments;
    private final boolean readOnly;
    private final ShmPermissions permissions;
    private final boolean prefault;
    private final AtomicReferenceArray<SharedSegment> mapped;

    SegmentTable(String arena, MemorySegment ctl, int maxSegments, boolean readOnly, ShmPermissions permissions, boolean prefault) {
        this.arena = arena;
        this.ctl = ctl;
        this.maxSegments = maxSegments;
        this.readOnly = readOnly;
        this.permissions = permissions;
        this.prefault = prefault;
        this.mapped = new AtomicReferenceArray<>(maxSegments);
    }

    /** Segment ids handed out so far. */
    int count() {
        return (int) INT.getAcquire(ctl, SEGMENT_COUNT);
    }

    boolean isReady(int segment) {
        return segment >= 0 && segment < maxSegments && (int) INT.getAcquire(ctl, segmentEntry(segment) + SEG_STATE) == SEG_READY;
    }

    /** The size the shared table gives (validate {@link #isReady} first). */
    long size(int segment) {
        return (long) LONG.getAcquire(ctl, segmentEntry(segment) + SEG_SIZE);
    }

    /** This process's mapping of a ready segment, made on first use. */
    SharedSegment mapping(int segment) {
        SharedSegment m = mapped.getAcquire(segment);
        if (m != null) {
            return m;
        }
        synchronized (mapped) {
            m = mapped.get(segment);
            if (m == null) {
                if (!isReady(segment)) {
                    throw new ShmIoException("arena " + arena, new IOException("segment " + segment + " is not ready"));
                }
                try {
                    m = SharedSegment.openNamed(arena + "." + segment, size(segment), readOnly);
                } catch (IOException e) {
                    throw new ShmIoException("arena " + arena + ": mapping segment " + segment, e);
                }
                mapped.setRelease(segment, m);
            }
            return m;
        }
    }

    /** Creates, maps (and pre-faults, if asked) the next segment; only under GROW_LOCK. */
    int create(int kind, long size) {
        int id = count();
        if (id >= maxSegments) {
            throw new ShmCapacityException("arena " + arena + " has created its maximum of " + maxSegments + " segments");
        }
        long s = segmentEntry(id);
        String name = arena + "." + id;
        try {
            if ((int) INT.getAcquire(ctl, s + SEG_STATE) == SEG_CREATING) {
                SharedSegment.unlink(name); // a grower died half-way: its object may exist
            }
            INT.setRelease(ctl, s + SEG_STATE, SEG_CREATING);
            INT.set(ctl, s + SEG_KIND, kind);
            LONG.set(ctl, s + SEG_SIZE, size);
            SharedSegment segment = SharedSegment.createNamed(name, size, permissions);
            if (prefault) {
                segment.prefault();
            }
            mapped.setRelease(id, segment);
        } catch (IOException e) {
            throw new ShmIoException("arena " + arena + ": adding segment " + id + " of " + size + " bytes", e);
        }
        INT.setRelease(ctl, s + SEG_STATE, SEG_READY);
        INT.setRelease(ctl, SEGMENT_COUNT, id + 1);
        return id;
    }

    /** Marks a huge block's segment released and removes its name; returns its size. */
    long release(int segment) {
        long size = size(segment);
        INT.setRelease(ctl, segmentEntry(segment) + SEG_STATE, SEG_RELEASED);
        unmap(segment);
        try {
            SharedSegment.unlink(arena + "." + segment);
        } catch (IOException e) {
            System.getLogger("dev.ipc4j.shm").log(System.Logger.Level.WARNING, "cannot unlink " + arena + "." + segment, e);
        }
        return size;
    }

    /** Drops this process's mapping (views of it throw from now on); only when nothing here uses it. */
    void unmap(int segment) {
        closeQuietly(mapped.getAndSet(segment, null));
    }

    /** Removes every segment name (the creator, closing the arena); returns the last failure, if any. */
    IOException unlinkAll() {
        IOException failure = null;
        for (int id = 0; id < Math.min(count() + 1, maxSegments); id++) {
            try {
                SharedSegment.unlink(arena + "." + id);
            } catch (IOException e) {
                failure = e;
            }
        }
        return failure;
    }

    void unmapAll() {
        for (int id = 0; id < maxSegments; id++) {
            unmap(id);
        }
    }

    private static void closeQuietly(SharedSegment segment) {
        if (segment != null) {
            try {
                segment.close();
            } catch (IOException ignored) {
                // unmapping a named segment does not fail; nothing holds a descriptor
            }
        }
    }
}
