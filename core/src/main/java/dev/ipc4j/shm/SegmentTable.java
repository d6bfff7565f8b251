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
import static dev.ipc4j.shm.ArenaLayout.KIND_HUGE;
import static dev.ipc4j.shm.ArenaLayout.segmentEntry;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.MemFd;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * An arena's data segments: the shared table of what exists (in the control object, see {@link ArenaLayout}) and this
 * process's mappings of them, made on first use and never moved.
 *
 * <p>Segments are shared one of two ways ({@link ShmArena.Sharing}). By name: /dev/shm objects {@code ARENA.N} that
 * any process opens. By descriptor: memfds whose size is sealed, which the creator keeps open and another process gets
 * from its {@link ShmArena.SegmentSource} (the session passes them over its socket); nobody can shrink one under a
 * mapping, and in an OWNED arena nobody but the creator can even map one writable (F_SEAL_FUTURE_WRITE).
 *
 * <p>Descriptors and mappings kept: the creator keeps each segment's memfd until the segment is released (to give it to
 * processes that attach later and to map a huge segment again); another process closes a regular segment's memfd
 * once mapped and keeps a huge one's until the segment is released. Every mapping stays until its segment is released
 * (a huge block lent again and again is mapped once). {@link #closeReleased()} lets go of what segments some process
 * released still take here, which frees their memory once nobody maps them; it runs before every new mapping, every
 * new segment, and (in a session) every 100 ms.
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
    private final boolean byName;
    private final boolean sealWrites; // creator of an OWNED arena shared by descriptors
    private final ShmArena.SegmentSource source; // attacher of an arena shared by descriptors; else null
    private final AtomicReferenceArray<SharedSegment> mapped;
    private final AtomicReferenceArray<Kept> descriptors; // shared by descriptors: each segment's memfd kept here

    /** A segment's memfd kept here, with the incarnation of its slot it belongs to. */
    private record Kept(Fd fd, int generation) {}

    SegmentTable(String arena, MemorySegment ctl, int maxSegments, boolean readOnly, ShmPermissions permissions, boolean prefault,
            boolean byName, boolean sealWrites, ShmArena.SegmentSource source) {
        this.arena = arena;
        this.ctl = ctl;
        this.maxSegments = maxSegments;
        this.readOnly = readOnly;
        this.permissions = permissions;
        this.prefault = prefault;
        this.byName = byName;
        this.sealWrites = sealWrites;
        this.source = source;
        this.mapped = new AtomicReferenceArray<>(maxSegments);
        this.descriptors = byName ? null : new AtomicReferenceArray<>(maxSegments);
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

    /**
     * Which incarnation of slot {@code segment} the table describes: a released huge segment's slot is used again by
     * a later huge block, and every process's mapping and descriptor of the slot are tagged with this, so one of an
     * earlier incarnation is never taken for the current one.
     */
    int generation(int segment) {
        return (int) INT.getAcquire(ctl, segmentEntry(segment) + SEG_KIND) >>> 8;
    }

    private boolean isHuge(int segment) {
        return ((int) INT.getAcquire(ctl, segmentEntry(segment) + SEG_KIND) & 0xff) == KIND_HUGE;
    }

    /** This process's mapping of a ready segment, made on first use. */
    SharedSegment mapping(int segment) {
        SharedSegment m = mapped.getAcquire(segment);
        if (m != null && m.generation == generation(segment)) {
            return m;
        }
        synchronized (mapped) {
            m = mapped.get(segment);
            if (m == null || m.generation != generation(segment)) {
                closeReleased(); // a new mapping: first let go of what released or reused slots still take here
                if (!isReady(segment)) {
                    throw new ShmIoException("arena " + arena, new IOException("segment " + segment + " is not ready"));
                }
                int generation = generation(segment);
                try {
                    m = byName ? SharedSegment.openNamed(arena + "." + segment, size(segment), readOnly) : mapDescriptor(segment, generation);
                } catch (IOException e) {
                    throw new ShmIoException("arena " + arena + ": mapping segment " + segment, e);
                }
                m.generation = generation;
                Closing.quietly(mapped.getAndSet(segment, m)); // an earlier incarnation's, if closeReleased raced it
            }
            return m;
        }
    }

    /** Maps a segment shared by descriptor: the one kept here, or one the source gives (checked, then kept or closed). */
    private SharedSegment mapDescriptor(int segment, int generation) throws IOException {
        Kept kept = descriptors.get(segment);
        Fd fd = kept != null && kept.generation() == generation ? kept.fd() : null;
        boolean fresh = fd == null;
        if (fresh) {
            if (source == null) {
                throw new IOException("segment " + segment + " was released");
            }
            fd = Fd.adopt(Objects.requireNonNull(source.segment(segment, generation), "the source gave no descriptor").release());
        }
        try {
            // The creator maps a segment again only for a huge block it borrows back: read-only, as others do.
            SharedSegment m = SharedSegment.mapSealed(fd, size(segment), readOnly || sealWrites);
            if (fresh && isHuge(segment)) {
                Kept earlier = descriptors.getAndSet(segment, new Kept(fd, generation)); // to map it again later
                Closing.quietly(earlier == null ? null : earlier.fd());
                fd = null;
            }
            return m;
        } finally {
            if (fresh && fd != null) {
                Closing.quietly(fd);
            }
        }
    }

    /**
     * Creates, maps (and pre-faults, if asked) a segment; only under GROW_LOCK. A huge one takes the slot of a released
     * huge segment when there is one (its incarnation counted up), so an arena's slots bound the segments alive at once,
     * not the segments ever made.
     */
    int create(int kind, long size) {
        int id = kind == KIND_HUGE ? releasedSlot() : -1;
        boolean reused = id >= 0;
        if (!reused) {
            id = count();
            if (id >= maxSegments) {
                throw new ShmCapacityException("arena " + arena + " has " + maxSegments + " segments alive, its maximum");
            }
        }
        long s = segmentEntry(id);
        String name = arena + "." + id;
        int generation = reused ? generation(id) + 1 & 0xff_ffff : 0;
        try {
            if (byName && (reused || (int) INT.getAcquire(ctl, s + SEG_STATE) == SEG_CREATING)) {
                SharedSegment.unlink(name); // a grower died half-way, or a releaser's name: it may exist
            }
            INT.setRelease(ctl, s + SEG_STATE, SEG_CREATING);
            dropLocal(id); // what an earlier incarnation of the slot still takes here
            INT.set(ctl, s + SEG_KIND, kind | generation << 8);
            LONG.set(ctl, s + SEG_SIZE, size);
            SharedSegment segment = byName ? SharedSegment.createNamed(name, size, permissions) : createDescriptor(id, name, size, generation);
            segment.generation = generation;
            if (prefault) {
                segment.prefault();
            }
            if (sealWrites) {
                MemFd.seal(descriptors.get(id).fd(), MemFd.SEAL_FUTURE_WRITE | MemFd.SEAL_SEAL);
            }
            mapped.setRelease(id, segment);
        } catch (IOException e) {
            Kept kept = descriptors == null ? null : descriptors.getAndSet(id, null);
            Closing.quietly(kept == null ? null : kept.fd());
            if (reused) {
                INT.setRelease(ctl, s + SEG_STATE, SEG_RELEASED); // still free for the next one
            }
            throw new ShmIoException("arena " + arena + ": adding segment " + id + " of " + size + " bytes", e);
        }
        INT.setRelease(ctl, s + SEG_STATE, SEG_READY);
        if (!reused) {
            INT.setRelease(ctl, SEGMENT_COUNT, id + 1);
        }
        closeReleased();
        return id;
    }

    /** A released huge segment's slot, or -1; only under GROW_LOCK. */
    private int releasedSlot() {
        int count = Math.min(count(), maxSegments);
        for (int id = 0; id < count; id++) {
            if ((int) INT.getAcquire(ctl, segmentEntry(id) + SEG_STATE) == SEG_RELEASED && isHuge(id)) {
                return id;
            }
        }
        return -1;
    }

    /**
     * A new memfd, its size sealed; an OWNED arena's is sealed against new writable mappings once this process has
     * mapped (and pre-faulted) it, so the seal that closes the set comes last.
     */
    private SharedSegment createDescriptor(int id, String name, long size, int generation) throws IOException {
        Fd fd = MemFd.create(name, size);
        try {
            MemFd.seal(fd, sealWrites ? MemFd.SEAL_SHRINK | MemFd.SEAL_GROW : MemFd.SEAL_SIZE);
            SharedSegment segment = SharedSegment.mapOwn(fd, size);
            descriptors.set(id, new Kept(fd, generation));
            return segment;
        } catch (IOException | RuntimeException e) {
            Closing.quietly(fd);
            throw e;
        }
    }

    /** The memfd of a segment this process keeps (the creator of an arena shared by descriptors), or null. */
    Fd descriptor(int segment) {
        if (descriptors == null || segment < 0 || segment >= maxSegments) {
            return null;
        }
        Kept kept = descriptors.get(segment);
        return kept != null && kept.generation() == generation(segment) ? kept.fd() : null;
    }

    /**
     * Marks a huge block's segment released, after removing its name, mapping and descriptor here: once RELEASED, the
     * slot may be taken by the next huge segment, whose own name and descriptor must not be the ones removed. Returns
     * the size.
     */
    long release(int segment) {
        long size = size(segment);
        dropLocal(segment);
        if (byName) {
            try {
                SharedSegment.unlink(arena + "." + segment);
            } catch (IOException e) {
                System.getLogger("dev.ipc4j.shm").log(System.Logger.Level.WARNING, "cannot unlink " + arena + "." + segment, e);
            }
        }
        INT.setRelease(ctl, segmentEntry(segment) + SEG_STATE, SEG_RELEASED);
        return size;
    }

    /** Unmaps and closes what this process keeps of slot {@code segment}. */
    private void dropLocal(int segment) {
        unmap(segment);
        if (descriptors != null) {
            Kept kept = descriptors.getAndSet(segment, null);
            Closing.quietly(kept == null ? null : kept.fd());
        }
    }

    /**
     * Unmaps and closes what this process keeps of segments that some process released (the shared table says so, and
     * a released segment id is never used again, nor held by anyone); returns how many. Their memory goes once nobody
     * maps them. A huge segment stays mapped here after this process's last hold of its block ends, so a block lent
     * again and again (a reply re-sent per request) costs no mmap and munmap per round trip; this is where it goes.
     */
    int closeReleased() {
        int closed = 0;
        int count = Math.min(count(), maxSegments);
        for (int id = 0; id < count; id++) {
            SharedSegment m = mapped.get(id);
            Kept kept = descriptors == null ? null : descriptors.get(id);
            if (m == null && kept == null) {
                continue;
            }
            // Read what is kept before the state: a slot being used again goes RELEASED -> CREATING before the new
            // incarnation's mapping and descriptor are kept here, so a RELEASED state means what was read is stale.
            int state = (int) INT.getAcquire(ctl, segmentEntry(id) + SEG_STATE);
            int generation = generation(id);
            boolean staleMapping = m != null && (state == SEG_RELEASED || state == SEG_READY && m.generation != generation);
            boolean staleKept = kept != null && (state == SEG_RELEASED || state == SEG_READY && kept.generation() != generation);
            if (staleMapping && mapped.compareAndSet(id, m, null)) {
                Closing.quietly(m);
                closed++;
            }
            if (staleKept && descriptors.compareAndSet(id, kept, null)) {
                Closing.quietly(kept.fd());
                closed++;
            }
        }
        return closed;
    }

    /** Drops this process's mapping (views of it throw from now on); only when nothing here uses it. */
    void unmap(int segment) {
        Closing.quietly(mapped.getAndSet(segment, null));
    }

    /** Removes every segment name (the creator, closing the arena); returns the last failure, if any. */
    IOException unlinkAll() {
        if (!byName) {
            return null;
        }
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

    /** Unmaps everything and closes every descriptor kept here. */
    void unmapAll() {
        for (int id = 0; id < maxSegments; id++) {
            unmap(id);
            if (descriptors != null) {
                Kept kept = descriptors.getAndSet(id, null);
                Closing.quietly(kept == null ? null : kept.fd());
            }
        }
    }
}
