package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A shared mapping ({@code mmap(2)} with MAP_SHARED) of a descriptor, seen as a {@link MemorySegment} whose lifetime
 * is this object's: {@link #close()} first invalidates every view (later access throws instead of touching unmapped
 * memory), then unmaps.
 *
 * <p>A read-only mapping is PROT_READ in the kernel and its segment is {@linkplain MemorySegment#asReadOnly()
 * read-only} in Java, so a write attempt is refused with an exception rather than a fault.
 */
public final class Mapping implements AutoCloseable {
    private static final int PROT_READ = 0x1;
    private static final int PROT_WRITE = 0x2;
    private static final int MAP_SHARED = 0x01;
    private static final long MAP_FAILED = -1L;

    private final Arena arena;
    private final MemorySegment segment;
    private final boolean readOnly;

    private Mapping(Arena arena, MemorySegment segment, boolean readOnly) {
        this.arena = arena;
        this.segment = segment;
        this.readOnly = readOnly;
    }

    /** Maps the first {@code length} bytes of {@code fd}, which must be at least that large. */
    public static Mapping map(Fd fd, long length, boolean readOnly) throws ErrnoException {
        if (length <= 0) {
            throw new IllegalArgumentException("mapping length must be positive: " + length);
        }
        long size = fd.stat().size();
        if (size < length) {
            // Touching a mapped page past the end of the file would raise SIGBUS.
            throw new ErrnoException("mmap(fd " + fd + "): " + length + " bytes asked of an object of " + size, Errno.EINVAL);
        }
        int prot = readOnly ? PROT_READ : PROT_READ | PROT_WRITE;
        long address = Libc.mmap(length, prot, MAP_SHARED, fd.get(), 0);
        if (address == MAP_FAILED) {
            throw new ErrnoException("mmap(fd " + fd + ", " + length + (readOnly ? " bytes, read-only)" : " bytes)"), Libc.errno());
        }
        Arena arena = Arena.ofShared();
        @SuppressWarnings("restricted") // the module is granted native access; the length is what mmap mapped
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(length, arena, s -> Libc.munmap(address, length));
        return new Mapping(arena, readOnly ? segment.asReadOnly() : segment, readOnly);
    }

    /**
     * Maps the first {@code length} bytes of {@code fd} read-write for as long as the returned segment is reachable:
     * the garbage collector unmaps it, never a close. For memory that threads may still write after its owner is
     * done with it (a live counter of an object closing on another thread), where an explicit unmap would turn a late
     * write into an exception on a hot path. {@code fd} may be closed at once; the mapping keeps the memory.
     */
    public static MemorySegment mapUntilUnreachable(Fd fd, long length) throws ErrnoException {
        if (length <= 0) {
            throw new IllegalArgumentException("mapping length must be positive: " + length);
        }
        long size = fd.stat().size();
        if (size < length) {
            throw new ErrnoException("mmap(fd " + fd + "): " + length + " bytes asked of an object of " + size, Errno.EINVAL);
        }
        long address = Libc.mmap(length, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
        if (address == MAP_FAILED) {
            throw new ErrnoException("mmap(fd " + fd + ", " + length + " bytes)", Libc.errno());
        }
        @SuppressWarnings("restricted") // the module is granted native access; the length is what mmap mapped
        MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(length, Arena.ofAuto(),
                s -> Libc.munmap(address, length));
        return segment;
    }

    /** The mapped bytes; read-only for a read-only mapping. Valid until {@link #close()}. */
    public MemorySegment segment() {
        return segment;
    }

    public long length() {
        return segment.byteSize();
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Unmaps; idempotent. Views handed out earlier throw {@link IllegalStateException} from now on. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // Lost a race with another closer: the mapping is gone either way.
                if (arena.scope().isAlive()) {
                    throw alreadyClosed;
                }
            }
        }
    }
}
