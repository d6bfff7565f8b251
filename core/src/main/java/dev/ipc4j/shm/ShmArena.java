package dev.ipc4j.shm;

import static dev.ipc4j.shm.ArenaLayout.*;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.counters.ArenaField;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.ProcessIdentity;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An allocator of blocks in shared memory that every process of a session can reach, with cross-process reference
 * counts ({@link Lease}) and reclamation of what dead processes held. Two kinds, as in Flow-IPC:
 * <ul>
 *   <li>{@link Ownership#SHARED}: every attached process may allocate and write;</li>
 *   <li>{@link Ownership#OWNED}: only the creator allocates and writes; the others map the data read-only, so a crashing or
 *       hostile peer cannot corrupt its contents (it can still hold and release blocks).</li>
 * </ul>
 *
 * <p>Memory is a control object (layout in {@link ArenaLayout}) plus data segments of {@link Config#segmentSize}
 * bytes, added as the arena grows and never remapped. Blocks come in power-of-two size classes from 64 bytes to the
 * segment size (small blocks aligned to their size, larger ones to pages); a block larger than a segment gets a
 * segment of its own (so single blocks of 1 GiB and more work), released when the block is freed. All allocator state
 * lives in the control object and changes only by compare-and-set, so any thread of any process may allocate (SHARED)
 * and free concurrently.
 *
 * <p>Sharing ({@link Sharing}): by default every object is an anonymous memfd whose size is sealed, handed to other
 * processes as a descriptor (the session layer passes them over its authenticated socket), so no process, the arena's
 * own peers included, can shrink memory under a reader; an OWNED arena's data segments are also sealed against new
 * writable mappings, so the kernel, not just this library, keeps the others read-only. {@link Sharing#BY_NAME} makes
 * named /dev/shm objects {@code NAME.ctl, NAME.0, NAME.1, ...} that {@link #attach(String)} opens: for tools and tests
 * that have no socket between the processes, at the price that any process of the same user can truncate them.
 *
 * <p>Reference counting: each process holds a slot (one of 64) recording its pid and start time; a block's holders
 * word has one bit per slot (see {@link Holders}). {@link #reclaimDeadHolders()} clears the bits of processes that
 * died (a reused pid has another start time, so it cannot pass for the dead one) and frees what only they held.
 *
 * <p>Everything read from shared memory is data, not truth: a handle or a table entry that does not add up gives a
 * typed {@link ShmException}, never an access outside a mapping.
 *
 * <p>Lifetime: the creator's {@link #close()} unlinks every name or closes every descriptor (mappings of the others
 * stay valid until they close); an attached process's close gives back whatever it still holds and frees its slot.
 *
 * <p>Limits, stated so nobody relies on more: at most 64 processes attached at once; {@link #lend} does not pin a
 * block in transit (the lender keeps its block open until the borrower has borrowed; a late borrow gets
 * {@link InvalidHandleException} (STALE)); a process killed inside the few instructions between taking a block off a free list
 * and marking it held leaks that one block. A crashing peer of a SHARED arena may leave the data it was writing
 * half-written, as in Flow-IPC; an OWNED arena's data it cannot touch. The control object is writable by every
 * attached process (holds are recorded there), so a hostile one can scramble it: the others then get typed exceptions.
 */
public final class ShmArena implements AutoCloseable {
    /** Who may allocate and write. */
    public enum Ownership { SHARED, OWNED }

    /**
     * How other processes reach the arena's memory: {@link #BY_DESCRIPTOR}, sealed memfds passed over a socket (the
     * default, and the session layer's way), or {@link #BY_NAME}, /dev/shm objects opened by name with {@link #attach}.
     */
    public enum Sharing { BY_DESCRIPTOR, BY_NAME }

    /** How many leases and blocks are watched for being garbage-collected unclosed. */
    public enum LeakDetection { OFF, SAMPLED, ALL }

    private static final Pattern WORD = Pattern.compile("[A-Za-z0-9_-]{1,48}");
    private static final Pattern ARENA_NAME = Pattern.compile("ipc4j\\.[A-Za-z0-9_-]{1,48}\\.[0-9]{1,7}\\.[A-Za-z0-9_-]{1,48}");
    private static final String CONTROL_SUFFIX = ".ctl";
    private static final long MAX_HUGE = 1L << 40;
    /**
     * The largest segment. Segments are sparse (tmpfs keeps only the pages written), so a large one costs nothing up
     * front, and a block that fits a regular segment stays mapped in every process that touched it. A block larger
     * than the segment size gets a segment of its own, mapped by a borrower on its first hold and kept mapped until
     * the block is freed everywhere (then its memory goes back).
     */
    public static final long MAX_SEGMENT_SIZE = 4L << 30;

    private final String name;
    private final Ownership ownership;
    private final Sharing sharing;
    private final boolean creator;
    private final boolean writable;
    private final SharedSegment control;
    private final MemorySegment ctl;
    private final long segmentSize;
    private final long quota;
    private final int maxClass;
    private final int maxSegments;
    private final int maxEntries;
    private final long entries;
    private final ShmPermissions permissions;
    private final boolean prefault;
    private final LeakDetection leakDetection;
    private final Duration lockTimeout;
    private final SegmentTable segments;
    private final LocalHolds holds;
    private final int slot;
    private final long bit;
    private int sampleCounter;
    /** Where this process counts what it holds here: private memory until {@link #countInto} names a published record. */
    private volatile CounterRecord counters = CounterRecord.detached(RecordType.ARENA);
    private volatile boolean closed;
    private volatile boolean closeWhenReleased;

    /**
     * What an arena is made of: an immutable value, checked once when it is made (an invalid one cannot exist), changed
     * with {@code withX} methods that return a copy. Start from {@link #of}, which sets every default.
     *
     * @param app the application that owns the arena; part of every name ({@code ipc4j.APP.PID.ARENA...}), 1-48 of
     *     {@code [A-Za-z0-9_-]}
     * @param arena the arena's own name, unique within this process, like {@code app}
     * @param ownership who may write: {@link Ownership#SHARED} (every process that attaches; the default) or
     *     {@link Ownership#OWNED} (only this one; others read)
     * @param sharing how other processes reach the memory (default {@link Sharing#BY_DESCRIPTOR})
     * @param segmentSize bytes per data segment: a power of two from 64 KiB to {@link #MAX_SEGMENT_SIZE} (default
     *     64 MiB)
     * @param maxSegments segments the arena may hold at once, huge blocks' included (default 1024): a released huge
     *     segment's slot is taken by the next one
     * @param maxEntries distinct blocks the arena may ever carve (default 65536); each costs 32 bytes of control object
     * @param quota bytes of shared memory the arena may take (blocks carved, huge segments) before allocation fails
     *     with {@link ShmQuotaExceededException} (default 1 TiB); freed blocks are reused without counting again
     * @param permissions who may open the memory when it is shared by name (the mode of its /dev/shm objects; default
     *     {@link ShmPermissions#OWNER}, 0600)
     * @param prefault touch every page of a new segment when it is created, so first writes into blocks do not fault
     * @param leakDetection how many blocks and leases are watched for being garbage-collected unclosed (default
     *     {@link LeakDetection#SAMPLED})
     * @param lockTimeout how long to wait for another process's short critical section before giving up (default
     *     10 s)
     */
    public record Config(String app, String arena, Ownership ownership, Sharing sharing, long segmentSize, int maxSegments,
            int maxEntries, long quota, ShmPermissions permissions, boolean prefault, LeakDetection leakDetection,
            Duration lockTimeout) {
        /** Checks every setting; an invalid one is an {@link IllegalArgumentException} naming it. */
        public Config {
            if (app == null || !WORD.matcher(app).matches() || arena == null || !WORD.matcher(arena).matches()) {
                throw new IllegalArgumentException("app and arena names must be 1-48 of [A-Za-z0-9_-]: " + app + ", " + arena);
            }
            Objects.requireNonNull(ownership, "ownership");
            Objects.requireNonNull(sharing, "sharing");
            Objects.requireNonNull(permissions, "permissions");
            Objects.requireNonNull(leakDetection, "leakDetection");
            validateSizes(segmentSize, maxSegments, maxEntries);
            if (quota <= 0) {
                throw new IllegalArgumentException("quota must be positive: " + quota);
            }
            if (lockTimeout == null || lockTimeout.isNegative() || lockTimeout.isZero()) {
                throw new IllegalArgumentException("lock timeout must be positive: " + lockTimeout);
            }
        }

        /** The arena {@code arena} of application {@code app}, every other setting at its default. */
        public static Config of(String app, String arena) {
            return new Config(app, arena, Ownership.SHARED, Sharing.BY_DESCRIPTOR, 64L << 20, 1024, 1 << 16, 1L << 40,
                    ShmPermissions.OWNER, false, LeakDetection.SAMPLED, Duration.ofSeconds(10));
        }

        /** A copy with {@code app} replaced, checked like the rest. */
        public Config withApp(String app) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code arena} replaced, checked like the rest. */
        public Config withArena(String arena) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code ownership} replaced, checked like the rest. */
        public Config withOwnership(Ownership ownership) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code sharing} replaced, checked like the rest. */
        public Config withSharing(Sharing sharing) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code segmentSize} replaced, checked like the rest. */
        public Config withSegmentSize(long segmentSize) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code maxSegments} replaced, checked like the rest. */
        public Config withMaxSegments(int maxSegments) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code maxEntries} replaced, checked like the rest. */
        public Config withMaxEntries(int maxEntries) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code quota} replaced, checked like the rest. */
        public Config withQuota(long quota) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code permissions} replaced, checked like the rest. */
        public Config withPermissions(ShmPermissions permissions) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code prefault} replaced. */
        public Config withPrefault(boolean prefault) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code leakDetection} replaced, checked like the rest. */
        public Config withLeakDetection(LeakDetection leakDetection) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }

        /** A copy with {@code lockTimeout} replaced, checked like the rest. */
        public Config withLockTimeout(Duration lockTimeout) {
            return new Config(app, arena, ownership, sharing, segmentSize, maxSegments, maxEntries, quota, permissions, prefault,
                    leakDetection, lockTimeout);
        }
    }


    private static void validateSizes(long segmentSize, long maxSegments, long maxEntries) {
        if (segmentSize < (64 << 10) || segmentSize > MAX_SEGMENT_SIZE || Long.bitCount(segmentSize) != 1) {
            throw new IllegalArgumentException("segment size must be a power of two from 64 KiB to 4 GiB: " + segmentSize);
        }
        if (maxSegments < 1 || maxSegments > (1 << 20) || maxEntries < 1 || maxEntries > (1 << 26)) {
            throw new IllegalArgumentException("max segments 1..2^20, max entries 1..2^26: " + maxSegments + ", " + maxEntries);
        }
    }

    private ShmArena(String name, SharedSegment control, boolean creator, Sharing sharing, SegmentSource source,
            boolean prefault, LeakDetection leakDetection, Duration lockTimeout) {
        this.name = name;
        this.sharing = sharing;
        this.control = control;
        this.ctl = control.memory();
        this.creator = creator;
        this.ownership = (int) INT.getAcquire(ctl, KIND) == 2 ? Ownership.OWNED : Ownership.SHARED;
        this.writable = creator || ownership == Ownership.SHARED;
        this.segmentSize = (long) LONG.getAcquire(ctl, SEGMENT_SIZE);
        this.quota = (long) LONG.getAcquire(ctl, QUOTA);
        this.maxClass = Long.numberOfTrailingZeros(segmentSize) - MIN_CLASS_SHIFT;
        this.maxSegments = (int) INT.getAcquire(ctl, MAX_SEGMENTS);
        this.maxEntries = (int) INT.getAcquire(ctl, MAX_ENTRIES);
        this.entries = ArenaLayout.entries(maxSegments);
        int mode = (int) INT.getAcquire(ctl, MODE);
        this.permissions = mode == 0666 ? ShmPermissions.ALL : mode == 0660 ? ShmPermissions.GROUP : ShmPermissions.OWNER;
        this.prefault = prefault;
        this.leakDetection = leakDetection;
        this.lockTimeout = lockTimeout;
        this.segments = new SegmentTable(name, ctl, maxSegments, !writable, permissions, prefault, sharing == Sharing.BY_NAME,
                creator && ownership == Ownership.OWNED && sharing == Sharing.BY_DESCRIPTOR, source);
        this.holds = new LocalHolds(maxEntries);
        this.slot = claimSlot();
        this.bit = 1L << slot;
    }

    /** Creates a new arena owned by this process. */
    public static ShmArena create(Config config) throws IOException {
        String name = "ipc4j." + config.app() + "." + ProcessHandle.current().pid() + "." + config.arena();
        long size = controlSize(config.maxSegments(), config.maxEntries());
        SharedSegment control = config.sharing() == Sharing.BY_NAME
                ? SharedSegment.createNamed(name + CONTROL_SUFFIX, size, config.permissions())
                : SharedSegment.anonymous(name + CONTROL_SUFFIX, size);
        try {
            MemorySegment c = control.memory();
            INT.set(c, VERSION, VERSION_VALUE);
            INT.set(c, KIND, config.ownership() == Ownership.OWNED ? 2 : 1);
            LONG.set(c, SEGMENT_SIZE, config.segmentSize());
            LONG.set(c, QUOTA, config.quota());
            INT.set(c, MAX_ENTRIES, config.maxEntries());
            INT.set(c, MAX_SEGMENTS, config.maxSegments());
            INT.set(c, MODE, config.permissions().mode());
            LONG.set(c, OWNER, ProcessIdentity.self().pack());
            LONG.set(c, BUMP, NO_SEGMENT);
            LONG.setRelease(c, MAGIC, MAGIC_VALUE); // last: an attacher that sees the magic sees all of the above
            return new ShmArena(name, control, true, config.sharing(), null, config.prefault(), config.leakDetection(),
                    config.lockTimeout());
        } catch (RuntimeException e) {
            control.unlink();
            control.close();
            throw e;
        }
    }

    /**
     * Attaches to the arena {@code name} (as {@link #name()} gave it in its creator's process), which must have been
     * created {@link Sharing#BY_NAME}, with default settings.
     */
    public static ShmArena attach(String name) throws IOException {
        return attach(name, LeakDetection.SAMPLED);
    }

    /**
     * Where an arena attached by descriptor ({@link #attach(String, NativeHandle, SegmentSource, LeakDetection)}) gets
     * its data segments: asked for segment {@code id} the first time a handle names it (the session layer passes them
     * over its socket).
     */
    @FunctionalInterface
    public interface SegmentSource {
        /**
         * A descriptor of incarnation {@code generation} of data segment {@code id} (a released huge segment's slot is
         * used again), which the arena takes over and checks: a memfd whose size is sealed, as large as the arena's
         * table says.
         *
         * @throws IOException when this process was never given that segment
         */
        NativeHandle segment(int id, int generation) throws IOException;
    }

    /**
     * Attaches to an arena another process shares by descriptor: {@code control} is its control object's memfd (taken
     * over: closed once mapped, or on failure), the data segments come from {@code source} as handles first name them.
     * Memory from the other process is checked before use: a descriptor of the wrong kind or size is refused.
     *
     * @throws ShmIoException when the control object is not an ipc4j arena's, or cannot be mapped
     */
    public static ShmArena attach(String name, NativeHandle control, SegmentSource source, LeakDetection leakDetection)
            throws IOException {
        return attach(name, Fd.adopt(Objects.requireNonNull(control, "control").release()), source, leakDetection);
    }

    /**
     * A new descriptor of the control object of this arena, which this process created to share by descriptor; the
     * caller closes it (typically after passing it to the process that attaches).
     *
     * @throws IllegalStateException for an arena shared by name, or one this process attached to
     * @throws ShmIoException when the kernel gives no descriptor (e.g. at the process's limit)
     */
    public NativeHandle controlDescriptor() {
        if (!creator || sharing != Sharing.BY_DESCRIPTOR) {
            throw new IllegalStateException("not an arena this process created to share by descriptor: " + this);
        }
        return duplicate(control.fd(), "the control object");
    }

    /**
     * A new descriptor of data segment {@code id} of this arena (created here to share by descriptor), which the caller
     * closes; null when there is no such segment or it was released.
     *
     * @throws ShmIoException when the kernel gives no descriptor
     */
    public NativeHandle segmentDescriptor(int id) {
        Fd fd = segments.descriptor(id);
        return fd == null ? null : duplicate(fd, "segment " + id);
    }

    /** Which incarnation of segment slot {@code id} the arena's table describes now (slots of huge segments are reused); -1 for no such slot. */
    public int segmentGeneration(int id) {
        return id >= 0 && id < maxSegments ? segments.generation(id) : -1;
    }

    /**
     * Closes this process's descriptors and mappings of the arena's released segments, so their memory goes; returns
     * how many. A session calls it periodically; an arena shared by name needs it only for huge segments.
     */
    public int closeReleasedSegments() {
        return closed ? 0 : segments.closeReleased();
    }

    private NativeHandle duplicate(Fd fd, String what) {
        try {
            return NativeHandle.adopt(fd.dup().release());
        } catch (ErrnoException e) {
            throw new ShmIoException("a descriptor of " + what + " of " + name, e);
        }
    }

    /** Attaches to an arena, with the given leak detection for the blocks and leases taken here. */
    public static ShmArena attach(String name, LeakDetection leakDetection) throws IOException {
        if (!ARENA_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an arena name (ipc4j.APP.PID.ARENA): " + name);
        }
        return attach(name, SharedSegment.openNamed(name + CONTROL_SUFFIX, false), Sharing.BY_NAME, null, leakDetection);
    }

    /** Attaches to an arena shared by descriptor: its control object's memfd (taken over), segments from {@code source}. */
    private static ShmArena attach(String name, Fd controlFd, SegmentSource source, LeakDetection leakDetection)
            throws IOException {
        Objects.requireNonNull(source, "source");
        SharedSegment control;
        try (controlFd) {
            if (!ARENA_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("not an arena name (ipc4j.APP.PID.ARENA): " + name);
            }
            long size = controlFd.stat().size();
            if (size < SEGMENTS || size > controlSize(1 << 20, 1 << 26)) {
                throw new ShmIoException("attach " + name, new IOException("a control object of " + size + " bytes"));
            }
            control = SharedSegment.mapSealed(controlFd, size, false);
        }
        return attach(name, control, Sharing.BY_DESCRIPTOR, source, leakDetection);
    }

    private static ShmArena attach(String name, SharedSegment control, Sharing sharing, SegmentSource source,
            LeakDetection leakDetection) throws IOException {
        try {
            MemorySegment c = control.memory();
            if (c.byteSize() < SEGMENTS || (long) LONG.getAcquire(c, MAGIC) != MAGIC_VALUE
                    || (int) INT.getAcquire(c, VERSION) != VERSION_VALUE) {
                throw new ShmIoException("attach " + name, new IOException("not an ipc4j arena of version " + VERSION_VALUE));
            }
            long segmentSize = (long) LONG.getAcquire(c, SEGMENT_SIZE);
            int maxSegments = (int) INT.getAcquire(c, MAX_SEGMENTS);
            int maxEntries = (int) INT.getAcquire(c, MAX_ENTRIES);
            try {
                validateSizes(segmentSize, maxSegments, maxEntries);
            } catch (IllegalArgumentException e) {
                throw new ShmIoException("attach " + name, new IOException("corrupt control object", e));
            }
            if (controlSize(maxSegments, maxEntries) > c.byteSize()) {
                throw new ShmIoException("attach " + name, new IOException("control object too small for its tables"));
            }
            return new ShmArena(name, control, false, sharing, source, false, Objects.requireNonNull(leakDetection),
                    Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            control.close();
            throw e;
        }
    }

    /** The arena's name, {@code ipc4j.APP.PID.ARENA}: what other processes {@link #attach} with when it is shared by name. */
    public String name() {
        return name;
    }

    /** Who may write: every process that attaches (SHARED) or only the creator (OWNED). */
    public Ownership ownership() {
        return ownership;
    }

    /** How other processes reach this arena: by name under /dev/shm or by descriptors passed to them. */
    public Sharing sharing() {
        return sharing;
    }

    /** Whether {@link #close()} has begun: from then on its memory may be gone (touching it is an IllegalStateException). */
    public boolean isClosed() {
        return closed;
    }

    /** Whether this process may allocate and write here (always for SHARED, only the creator for OWNED). */
    public boolean isWritable() {
        return writable;
    }

    /**
     * Bytes this arena has taken from shared memory, in all processes: every block ever carved (freed blocks stay
     * carved, for reuse by their size class) plus the segments of live huge blocks. This is what the quota limits.
     */
    public long usedBytes() {
        return (long) LONG.getAcquire(ctl, USED);
    }

    /** Bytes (capacities) of the blocks some process holds now; scans the block table, so not for hot paths. */
    public long liveBytes() {
        long live = 0;
        long count = Math.min((long) LONG.getAcquire(ctl, ENTRY_COUNT), maxEntries);
        for (int entry = 0; entry < count; entry++) {
            long e = entry(entry);
            if (!Holders.isFree(ctl, e)) {
                int segment = (int) INT.getAcquire(ctl, e + E_SEGMENT);
                long capacity = segment >= 0 && segment < maxSegments ? capacity(entry, segment) : -1;
                live += Math.max(0, capacity);
            }
        }
        return live;
    }

    /** Bytes of shared memory the arena may take; see {@link #usedBytes()}. */
    public long quota() {
        return quota;
    }

    /** Bytes per regular data segment; a larger block gets a huge segment of its own. */
    public long segmentSize() {
        return segmentSize;
    }

    /** Segments created so far (regular and huge, including released huge ones). */
    public int segmentCount() {
        return segments.count();
    }

    // ---------------------------------------------------------------- allocation

    /** Allocates a block of at least {@code bytes}; {@link ShmBlock#memory()} is exactly {@code bytes} long. */
    public ShmBlock allocate(long bytes) {
        long id = allocateId(bytes);
        int entry = (int) (id >>> 32);
        long e = entry(entry);
        int segment = (int) INT.getAcquire(ctl, e + E_SEGMENT);
        long offset = (long) LONG.getAcquire(ctl, e + E_OFFSET);
        try {
            MemorySegment memory = segments.mapping(segment).memory().asSlice(offset, bytes);
            return new ShmBlock(this, segment, offset, entry, (int) id, memory, tracked());
        } catch (RuntimeException failure) {
            releaseQuietly(entry, (int) id);
            throw failure;
        }
    }

    /**
     * The allocation-free form of {@link #allocate}: returns the block's id ({@code entry << 32 | generation}, the
     * same as its handle's generation), to be given back with {@link #free(long)}. Reach its bytes with
     * {@link #memory(long, long)}.
     */
    public long allocateId(long bytes) {
        ensureOpen();
        if (!writable) {
            throw new ShmAccessException("arena " + name + " is owned by another process: only its owner allocates");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("block size must be positive: " + bytes);
        }
        int sizeClass = sizeClass(bytes);
        long capacity = sizeClass == HUGE ? (bytes + SharedSegment.PAGE - 1) & -SharedSegment.PAGE : 64L << sizeClass;
        CounterRecord c = counters;
        int entry;
        try {
            if (sizeClass == HUGE && bytes > MAX_HUGE) {
                throw new ShmCapacityException("a block of " + bytes + " bytes is larger than the largest block, " + MAX_HUGE);
            }
            entry = sizeClass == HUGE ? carveHuge(capacity) : popOrCarve(sizeClass, capacity);
        } catch (ShmException refused) {
            c.add(ArenaField.ALLOCATIONS_REFUSED, 1);
            throw refused;
        }
        long e = entry(entry);
        int life = (int) INT.getAcquire(ctl, e + E_GENERATION) + 1;
        // Generation first, holders second: a borrower that wins its CAS on the holders word then sees the new life.
        INT.setRelease(ctl, e + E_GENERATION, life);
        if (holds.acquire(entry) != LocalHolds.TRANSITION) {
            throw new IllegalStateException("block " + entry + " came off a free list while this process holds it");
        }
        LONG.setRelease(ctl, e + E_HOLDERS, bit);
        holds.publish(entry, 1);
        c.add(ArenaField.ALLOCATIONS, 1);
        held(c, capacity);
        return (long) entry << 32 | Integer.toUnsignedLong(life);
    }

    /** Gives back a block allocated with {@link #allocateId} (one hold of it). */
    public void free(long id) {
        ensureOpen();
        int entry = (int) (id >>> 32);
        if (entry < 0 || entry >= maxEntries) {
            throw new IllegalArgumentException("not a block id of this arena: " + Long.toHexString(id));
        }
        release(entry, (int) id);
    }

    /**
     * One more hold by this process on {@code block}, which it holds already (Netty's {@code retain}): a private
     * counter goes up by one, nothing in shared memory is written and nothing is allocated. The block stays alive at
     * least until the hold is given back with {@link #free(long)}, whoever else lets go meanwhile. Returns the id to
     * give back.
     *
     * @throws IllegalArgumentException when {@code block} is not an open block of this arena
     * @throws IllegalStateException when it was closed meanwhile
     */
    public long retain(ShmBlock block) {
        ensureOpen();
        if (block.arena != this || !block.isOpen()) {
            throw new IllegalArgumentException("retain an open block of this arena: " + block);
        }
        if (holds.acquire(block.entry) == LocalHolds.TRANSITION) { // the block's last hold went between the two checks
            holds.publish(block.entry, 0);
            throw new IllegalStateException("block " + block.entry + " was closed while it was retained");
        }
        return (long) block.entry << 32 | Integer.toUnsignedLong(block.life);
    }

    /** The first {@code length} bytes of a block this process holds through {@code id}. */
    public MemorySegment memory(long id, long length) {
        return memory(id, length, null);
    }

    /**
     * {@link #memory(long, long)} that allocates nothing when {@code reuse} is that very view already (the same bytes
     * of the same live mapping): it is returned then. For hot paths that meet the same blocks again and again (a ring
     * of samples) and keep the views they made, e.g. by block ({@code id >>> 32}).
     */
    public MemorySegment memory(long id, long length, MemorySegment reuse) {
        int entry = (int) (id >>> 32);
        if (entry < 0 || entry >= maxEntries || (int) INT.getAcquire(ctl, entry(entry) + E_GENERATION) != (int) id) {
            throw new IllegalArgumentException("not a live block id of this arena: " + Long.toHexString(id));
        }
        long e = entry(entry);
        int segment = (int) INT.getAcquire(ctl, e + E_SEGMENT);
        if (length < 0 || length > capacity(entry, segment)) {
            throw new IndexOutOfBoundsException("length " + length + " of block " + entry);
        }
        MemorySegment mapping = segments.mapping(segment).memory();
        long offset = (long) LONG.getAcquire(ctl, e + E_OFFSET);
        if (reuse != null && reuse.byteSize() == length && reuse.address() == mapping.address() + offset
                && reuse.scope().equals(mapping.scope())) {
            return reuse;
        }
        return mapping.asSlice(offset, length);
    }

    private int sizeClass(long bytes) {
        if (bytes > segmentSize) {
            return HUGE;
        }
        return Math.max(0, 64 - Long.numberOfLeadingZeros(bytes - 1) - MIN_CLASS_SHIFT);
    }

    private int popOrCarve(int sizeClass, long capacity) {
        while (true) {
            int entry = FreeList.pop(ctl, FREE_HEADS + 8L * sizeClass, entries, maxEntries);
            if (entry < 0) {
                reserve(capacity);
                try {
                    return carve(sizeClass, capacity);
                } catch (RuntimeException e) {
                    LONG.getAndAdd(ctl, USED, -capacity);
                    throw e;
                }
            }
            // A free list is shared memory too: an entry that is held, or of another class, was put there by a bug or
            // a hostile peer. Leave it off the list rather than hand out a block someone else is using.
            long e = entry(entry);
            if (Holders.isFree(ctl, e) && (int) INT.getAcquire(ctl, e + E_CLASS) == sizeClass) {
                return entry;
            }
        }
    }

    /** Counts {@code bytes} more against the quota, or throws without counting them. */
    private void reserve(long bytes) {
        long used = (long) LONG.getAndAdd(ctl, USED, bytes) + bytes;
        if (used > quota) {
            LONG.getAndAdd(ctl, USED, -bytes);
            throw new ShmQuotaExceededException(name, bytes, used - bytes, quota);
        }
        counters.setOrdered(ArenaField.BYTES_RESERVED, used); // a gauge as of the last change seen here
    }

    /** This process took its first hold on a block of {@code capacity} bytes. */
    private static void held(CounterRecord c, long capacity) {
        c.add(ArenaField.BLOCKS_HELD, 1);
        c.raise(ArenaField.BYTES_HELD_HIGH_WATER, c.add(ArenaField.BYTES_HELD, capacity));
    }

    /** The capacity of a block this process holds (so its entry cannot change meanwhile); 0 if the entry is corrupt. */
    private long heldCapacity(int entry) {
        int segment = (int) INT.getAcquire(ctl, entry(entry) + E_SEGMENT);
        return segment >= 0 && segment < maxSegments ? Math.max(0, capacity(entry, segment)) : 0;
    }

    /**
     * From now on this process counts what it holds in this arena into {@code record} (an {@link RecordType#ARENA}
     * record), which the arena closes when it closes: blocks and bytes held, their high-water mark, allocations.
     * Counted from the call on: call it before the first allocation.
     */
    public void countInto(CounterRecord record) {
        if (record.type() != RecordType.ARENA) {
            throw new IllegalArgumentException("an arena counts into an arena record, not " + record);
        }
        this.counters = record;
        record.setOrdered(ArenaField.BYTES_RESERVED, usedBytes());
        if (closed) {
            record.close();
        }
    }

    /** Cuts a fresh block from the current segment (adding a segment when it is full) and gives it an entry. */
    private int carve(int sizeClass, long capacity) {
        long align = Math.min(capacity, SharedSegment.PAGE);
        while (true) {
            long bump = (long) LONG.getAcquire(ctl, BUMP);
            if (bump != NO_SEGMENT) {
                int segment = (int) (bump >>> BUMP_OFFSET_BITS);
                long start = ((bump & BUMP_OFFSET_MASK) + align - 1) & -align;
                if (start + capacity <= segmentSize) {
                    int entry = newEntry();
                    if (LONG.compareAndSet(ctl, BUMP, bump, (long) segment << BUMP_OFFSET_BITS | (start + capacity))) {
                        long e = entry(entry);
                        INT.set(ctl, e + E_SEGMENT, segment);
                        INT.set(ctl, e + E_CLASS, sizeClass);
                        LONG.setRelease(ctl, e + E_OFFSET, start);
                        return entry;
                    }
                    FreeList.push(ctl, FREE_HEADS + 8L * SPARE_HEAD, entries, entry); // lost the race: keep the entry
                    continue;
                }
            }
            grow(bump);
        }
    }

    /** Takes a spare entry or a never-used one. */
    private int newEntry() {
        int spare = FreeList.pop(ctl, FREE_HEADS + 8L * SPARE_HEAD, entries, maxEntries);
        if (spare >= 0) {
            return spare;
        }
        long count = (long) LONG.getAndAdd(ctl, ENTRY_COUNT, 1L);
        if (count >= maxEntries) {
            LONG.getAndAdd(ctl, ENTRY_COUNT, -1L);
            throw new ShmCapacityException("arena " + name + " has carved its maximum of " + maxEntries + " blocks");
        }
        return (int) count;
    }

    /** Moves allocation to a new regular segment, unless another thread or process already did. */
    private void grow(long seenBump) {
        ShmLock.lock(ctl, GROW_LOCK, lockTimeout);
        try {
            if ((long) LONG.getAcquire(ctl, BUMP) == seenBump) {
                int segment = segments.create(KIND_REGULAR, segmentSize);
                LONG.setRelease(ctl, BUMP, (long) segment << BUMP_OFFSET_BITS);
            }
        } finally {
            ShmLock.unlock(ctl, GROW_LOCK);
        }
    }

    private int carveHuge(long capacity) {
        reserve(capacity);
        int entry;
        try {
            entry = newEntry();
        } catch (RuntimeException e) {
            LONG.getAndAdd(ctl, USED, -capacity);
            throw e;
        }
        try {
            int segment;
            ShmLock.lock(ctl, GROW_LOCK, lockTimeout);
            try {
                segment = segments.create(KIND_HUGE, capacity);
            } finally {
                ShmLock.unlock(ctl, GROW_LOCK);
            }
            long e = entry(entry);
            INT.set(ctl, e + E_SEGMENT, segment);
            INT.set(ctl, e + E_CLASS, HUGE);
            LONG.setRelease(ctl, e + E_OFFSET, 0L);
            return entry;
        } catch (RuntimeException failure) {
            FreeList.push(ctl, FREE_HEADS + 8L * SPARE_HEAD, entries, entry);
            LONG.getAndAdd(ctl, USED, -capacity);
            throw failure;
        }
    }

    // ---------------------------------------------------------------- lending

    /** The handle to send to another process, which {@link #borrow}s it. Keep the block open until it has. */
    public ShmHandle lend(ShmBlock block) {
        if (block.arena != this || !block.isOpen()) {
            throw new IllegalArgumentException("lend a block of this arena that is still open: " + block);
        }
        return block.handle();
    }

    /**
     * Takes a hold on the block {@code handle} names and maps it if needed. Validates everything first: a handle whose
     * segment does not exist gives {@link InvalidHandleException} (UNKNOWN_SEGMENT), one reaching outside its segment or block
     * {@link InvalidHandleException} (OUT_OF_RANGE), one whose block was freed or reused {@link InvalidHandleException} (STALE).
     */
    public Lease borrow(ShmHandle handle) {
        long id = take(handle.segmentId(), handle.offset(), handle.length(), handle.generation());
        MemorySegment memory = segments.mapping(handle.segmentId()).memory().asSlice(handle.offset(), handle.length());
        return new Lease(this, handle.segmentId(), handle.offset(), handle.entry(), handle.life(), memory, tracked());
    }

    /**
     * The allocation-free form of {@link #lend}: writes the 32-byte serialized handle of the first {@code length}
     * bytes of block {@code id} (which this process holds) at {@code at} of {@code to}, e.g. straight into a frame.
     */
    public void lend(long id, long length, MemorySegment to, long at) {
        ensureOpen();
        int entry = (int) (id >>> 32);
        if (entry < 0 || entry >= maxEntries || holds.get(entry) == 0
                || (int) INT.getAcquire(ctl, entry(entry) + E_GENERATION) != (int) id) {
            throw new IllegalArgumentException("not a block id this process holds: " + Long.toHexString(id));
        }
        long e = entry(entry);
        int segment = (int) INT.getAcquire(ctl, e + E_SEGMENT);
        if (length <= 0 || length > capacity(entry, segment)) {
            throw new IndexOutOfBoundsException("length " + length + " of block " + entry);
        }
        ShmHandle.write(to, at, segment, (long) LONG.getAcquire(ctl, e + E_OFFSET), length, id);
    }

    /**
     * The allocation-free form of {@link #borrow(ShmHandle)}: reads a serialized handle at {@code at} of {@code from},
     * validates it the same way, takes a hold and returns the block's id. Reach the bytes with {@link #memory(long, long)}
     * and give the hold back with {@link #free(long)}.
     */
    public long borrow(MemorySegment from, long at) {
        if (at < 0 || from.byteSize() - at < ShmHandle.BYTES) {
            throw InvalidHandleException.malformed("a handle needs " + ShmHandle.BYTES + " bytes at " + at + " of " + from.byteSize());
        }
        if (from.get(ShmHandle.INT, at + ShmHandle.MAGIC) != ShmHandle.MAGIC_VALUE) {
            throw InvalidHandleException.malformed("not a handle: magic 0x" + Integer.toHexString(from.get(ShmHandle.INT, at + ShmHandle.MAGIC)));
        }
        return take(from.get(ShmHandle.INT, at + ShmHandle.SEGMENT_ID), from.get(ShmHandle.LONG, at + ShmHandle.OFFSET),
                from.get(ShmHandle.LONG, at + ShmHandle.LENGTH), from.get(ShmHandle.LONG, at + ShmHandle.GENERATION));
    }

    /** Validates a handle's fields, takes a hold on its block and maps its segment; returns the block id. */
    private long take(int segment, long offset, long length, long generation) {
        ensureOpen();
        if (closeWhenReleased) {
            throw new IllegalStateException("arena " + name + " is closing: nothing new may be borrowed");
        }
        if (!segments.isReady(segment)) {
            throw InvalidHandleException.unknownSegment("no segment " + segment + " in arena " + name,
                    new ShmHandle(segment, offset, length, generation));
        }
        long segmentBytes = segments.size(segment);
        if (offset < 0 || length <= 0 || segmentBytes <= 0 || offset > segmentBytes - length) {
            throw InvalidHandleException.outOfRange("outside segment " + segment + " of " + segmentBytes + " bytes",
                    new ShmHandle(segment, offset, length, generation));
        }
        int entry = (int) (generation >>> 32);
        int life = (int) generation;
        if (entry < 0 || entry >= maxEntries) {
            throw InvalidHandleException.stale("generation names no block of arena " + name, new ShmHandle(segment, offset, length, generation));
        }
        long e = entry(entry);
        boolean transition = holds.acquire(entry) == LocalHolds.TRANSITION;
        if (transition && !Holders.add(ctl, e, bit)) {
            holds.publish(entry, 0);
            throw InvalidHandleException.stale("block already freed", new ShmHandle(segment, offset, length, generation));
        }
        if (transition) {
            held(counters, heldCapacity(entry)); // undone by endLastHold, whether the handle checks out or not
        }
        // Held now, so the entry's fields cannot change under us.
        String stale = null;
        String outOfRange = null;
        if ((int) INT.getAcquire(ctl, e + E_GENERATION) != life) {
            stale = "block freed and reused since (generation now "
                    + Integer.toUnsignedString((int) INT.getAcquire(ctl, e + E_GENERATION)) + ")";
        } else if ((int) INT.getAcquire(ctl, e + E_SEGMENT) != segment || (long) LONG.getAcquire(ctl, e + E_OFFSET) != offset
                || length > capacity(entry, segment)) {
            outOfRange = "does not match its block";
        } else {
            try {
                segments.mapping(segment);
            } catch (ShmException failure) {
                outOfRange = "cannot map: " + failure.getMessage();
            }
        }
        if (stale != null || outOfRange != null) {
            if (transition) {
                endLastHold(entry); // everyone else may have let go while we looked: then we free it
            } else {
                dropHold(entry);
            }
            ShmHandle handle = new ShmHandle(segment, offset, length, generation);
            throw stale != null ? InvalidHandleException.stale(stale, handle) : InvalidHandleException.outOfRange(outOfRange, handle);
        }
        if (transition) {
            holds.publish(entry, 1);
        }
        return generation;
    }

    // ---------------------------------------------------------------- releasing

    void releaseQuietly(int entry, int life) {
        if (!closed) {
            try {
                release(entry, life);
            } catch (RuntimeException raceWithClose) {
                // the arena closed meanwhile and gave every hold back itself
            }
        }
    }

    private void release(int entry, int life) {
        if ((int) INT.getAcquire(ctl, entry(entry) + E_GENERATION) != life || holds.get(entry) == 0) {
            throw new IllegalStateException("block " + entry + " (generation " + Integer.toUnsignedString(life)
                    + ") is not held by this process");
        }
        dropHold(entry);
        if (closeWhenReleased && holds.get(entry) == 0 && heldHere() == 0) {
            closeQuietly();
        }
    }

    /** Gives back one local hold; the last one clears this process's bit and, if no process holds it, frees it. */
    private void dropHold(int entry) {
        int left = holds.release(entry);
        if (left == LocalHolds.NOT_HELD) {
            throw new IllegalStateException("block " + entry + " is not held by this process");
        }
        if (left == LocalHolds.TRANSITION) {
            endLastHold(entry);
        }
    }

    /** Called by the thread that owns this process's 1 -> 0 (or failed 0 -> 1) transition of {@code entry}. */
    private void endLastHold(int entry) {
        CounterRecord c = counters;
        c.add(ArenaField.BLOCKS_HELD, -1);
        c.add(ArenaField.BYTES_HELD, -heldCapacity(entry)); // still ours: its entry has not changed
        boolean last = Holders.remove(ctl, entry(entry), bit);
        holds.publish(entry, 0);
        if (last) {
            freeEntry(entry);
        }
    }

    /** Returns a block nobody holds to its free list (a huge one's segment is released). */
    private void freeEntry(int entry) {
        long e = entry(entry);
        int sizeClass = (int) INT.getAcquire(ctl, e + E_CLASS);
        if (sizeClass == HUGE) {
            int segment = (int) INT.getAcquire(ctl, e + E_SEGMENT);
            if (segment < 0 || segment >= maxSegments) {
                return; // corrupt entry: leak it rather than touch what it names
            }
            long size = segments.release(segment); // nobody here holds it: no view of its mapping is in use
            FreeList.push(ctl, FREE_HEADS + 8L * SPARE_HEAD, entries, entry);
            counters.setOrdered(ArenaField.BYTES_RESERVED, (long) LONG.getAndAdd(ctl, USED, -size) - size);
        } else if (sizeClass >= 0 && sizeClass <= maxClass) {
            FreeList.push(ctl, FREE_HEADS + 8L * sizeClass, entries, entry);
        }
    }

    private long capacity(int entry, int segment) {
        int sizeClass = (int) INT.getAcquire(ctl, entry(entry) + E_CLASS);
        if (sizeClass == HUGE) {
            return segments.size(segment);
        }
        return sizeClass >= 0 && sizeClass <= maxClass ? 64L << sizeClass : -1;
    }

    // ---------------------------------------------------------------- processes

    private int claimSlot() {
        long me = ProcessIdentity.self().pack();
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < MAX_PROCESSES; i++) {
                if (LONG.compareAndSet(ctl, SLOTS + 8L * i, 0L, me)) {
                    return i;
                }
            }
            reclaimDeadHolders();
        }
        throw new ShmCapacityException("arena " + name + " already has " + MAX_PROCESSES + " live processes attached");
    }

    /**
     * Gives back every hold of every process that has died (its pid gone, or reused by a process with another start
     * time), freeing the blocks only they held; returns how many blocks were freed. Safe to call from any process at
     * any time (a {@link ShmSweeper} calls it periodically); one process reclaims at a time.
     */
    public int reclaimDeadHolders() {
        ensureOpen();
        int freed = 0;
        ShmLock.lock(ctl, RECLAIM_LOCK, lockTimeout);
        try {
            long count = Math.min((long) LONG.getAcquire(ctl, ENTRY_COUNT), maxEntries);
            for (int s = 0; s < MAX_PROCESSES; s++) {
                long holder = (long) LONG.getAcquire(ctl, SLOTS + 8L * s);
                if (holder == 0 || ProcessIdentity.isAlive(holder)) {
                    continue;
                }
                long deadBit = 1L << s;
                for (int entry = 0; entry < count; entry++) {
                    long e = entry(entry);
                    if (((long) LONG.getAcquire(ctl, e + E_HOLDERS) & deadBit) != 0 && Holders.remove(ctl, e, deadBit)) {
                        freeEntry(entry);
                        freed++;
                    }
                }
                // Only now may the slot be taken again: a new holder's bit must never be cleared by this walk.
                LONG.compareAndSet(ctl, SLOTS + 8L * s, holder, 0L);
            }
        } finally {
            ShmLock.unlock(ctl, RECLAIM_LOCK);
        }
        return freed;
    }

    /**
     * How many blocks of this arena some other process holds now (a borrower that has not closed its lease, or another
     * allocator of a SHARED arena). A session that ends gracefully waits for this to reach zero, within a bound, before
     * it takes the memory away. A snapshot read without locks: it may be stale by the time it returns.
     */
    public int blocksHeldByOthers() {
        ensureOpen();
        long count = Math.min((long) LONG.getAcquire(ctl, ENTRY_COUNT), maxEntries);
        int held = 0;
        for (int entry = 0; entry < count; entry++) {
            if (((long) LONG.getAcquire(ctl, entry(entry) + E_HOLDERS) & ~bit) != 0) {
                held++;
            }
        }
        return held;
    }

    /** How many blocks of this arena this process holds now: blocks it allocated and leases it borrowed, not closed. */
    public int blocksHeldHere() {
        ensureOpen();
        return heldHere();
    }

    private int heldHere() {
        long count = Math.min((long) LONG.getAcquire(ctl, ENTRY_COUNT), maxEntries);
        int held = 0;
        for (int entry = 0; entry < count; entry++) {
            if (holds.get(entry) != 0) {
                held++;
            }
        }
        return held;
    }

    // ---------------------------------------------------------------- mappings

    private long entry(int entry) {
        return entries + ENTRY_SIZE * entry;
    }

    private boolean tracked() {
        return switch (leakDetection) {
            case OFF -> false;
            case ALL -> true;
            case SAMPLED -> (sampleCounter++ & (LeakDetector.SAMPLE_EVERY - 1)) == 0;
        };
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("arena " + name + " is closed");
        }
    }

    /**
     * Closes once nothing taken here is open any more: at once when this process holds no block of the arena, else
     * when the last of its blocks and leases is closed. Until then those stay valid and readable (their memory stays
     * mapped, and held, so the owner cannot reuse it), while nothing new may be taken. For a session whose peer ended
     * or died while the user still holds what it was given. Idempotent.
     */
    public void closeWhenReleased() throws IOException {
        closeWhenReleased = true;
        if (heldHere() == 0) {
            close();
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (IOException e) {
            System.getLogger("dev.ipc4j.shm").log(System.Logger.Level.WARNING, "closing " + name + " after its last hold", e);
        }
    }

    /**
     * Gives back every hold this process still has through this arena, frees its process slot and unmaps; the creator
     * also removes every name of the arena. Idempotent.
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long count = Math.min((long) LONG.getAcquire(ctl, ENTRY_COUNT), maxEntries);
        for (int entry = 0; entry < count; entry++) {
            if (holds.releaseAll(entry) == LocalHolds.TRANSITION) {
                endLastHold(entry);
            }
        }
        LONG.compareAndSet(ctl, SLOTS + 8L * slot, ProcessIdentity.self().pack(), 0L);
        IOException failure = null;
        if (creator && sharing == Sharing.BY_NAME) {
            failure = segments.unlinkAll();
            try {
                control.unlink();
            } catch (IOException e) {
                failure = e;
            }
        }
        segments.unmapAll();
        control.close();
        counters.close();
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "ShmArena[" + name + ", " + ownership + (creator ? ", creator" : "") + (writable ? "" : ", read-only") + "]";
    }
}
