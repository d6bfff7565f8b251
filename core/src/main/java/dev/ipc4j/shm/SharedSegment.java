package dev.ipc4j.shm;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.os.NamedShm;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * One mapped piece of shared memory: an anonymous memfd whose size is sealed (shared by passing its descriptor), or a
 * named /dev/shm object created with explicit permissions (shared by name). Mapped read-write, or read-only; a
 * read-only segment's {@link #memory()} refuses writes with an exception, and the kernel mapping is PROT_READ.
 *
 * <p>A segment never changes size once mapped: pools grow by adding segments, so no address handed out ever moves.
 * {@link #close()} unmaps; removing a name is the separate, explicit {@link #unlink()}, because in a shared pool the
 * process that created a segment is not necessarily the one whose departure ends it.
 *
 * <p>Not API: the arena is what other layers and users hold; this is its building block.
 */
final class SharedSegment implements AutoCloseable {
    /** The page size that pre-faulting and alignment assume (x86-64). */
    public static final long PAGE = 4096;

    private final Mapping mapping;
    private final String name;
    private final Fd fd;
    /** Which incarnation of its arena segment slot this maps (see SegmentTable); set before it is published. */
    int generation;

    private SharedSegment(Mapping mapping, String name, Fd fd) {
        this.mapping = mapping;
        this.name = name;
        this.fd = fd;
    }

    /** Creates an anonymous memfd of {@code size} bytes, seals its size, and maps it read-write. */
    public static SharedSegment anonymous(String label, long size) throws IOException {
        requirePositive(size);
        Fd fd = MemFd.create(label, size);
        try {
            MemFd.seal(fd, MemFd.SEAL_SIZE);
            return new SharedSegment(Mapping.map(fd, size, false), null, fd);
        } catch (IOException | RuntimeException e) {
            Closing.quietly(fd, e);
            throw e;
        }
    }

    /**
     * Maps the first {@code size} bytes of a memfd another process made, after checking that its size is sealed (so no
     * process, its maker included, can shrink it under the mapping and fault a reader) and that it is large enough.
     * The descriptor stays the caller's: the mapping outlives it.
     */
    static SharedSegment mapSealed(Fd fd, long size, boolean readOnly) throws IOException {
        requirePositive(size);
        MemFd.requireSealedSize(fd);
        return new SharedSegment(Mapping.map(fd, size, readOnly), null, null);
    }

    /** Maps the first {@code size} bytes of a memfd this process made, read-write; the descriptor stays the caller's. */
    static SharedSegment mapOwn(Fd fd, long size) throws IOException {
        requirePositive(size);
        return new SharedSegment(Mapping.map(fd, size, false), null, null);
    }

    /**
     * Creates the named object {@code name} (without the leading '/') of {@code size} bytes with exactly the mode of
     * {@code permissions}, and maps it read-write. Fails if the name exists.
     */
    public static SharedSegment createNamed(String name, long size, ShmPermissions permissions) throws IOException {
        requirePositive(size);
        try (Fd fd = NamedShm.create(name, size, permissions.mode())) {
            try {
                return new SharedSegment(Mapping.map(fd, size, false), name, null);
            } catch (IOException | RuntimeException e) {
                unlinkQuietly(name, e);
                throw e;
            }
        }
    }

    /** Opens and maps the whole of an existing named object. */
    public static SharedSegment openNamed(String name, boolean readOnly) throws IOException {
        try (Fd fd = NamedShm.open(name, readOnly)) {
            long size = fd.stat().size();
            if (size <= 0) {
                throw new ErrnoException("map(" + name + "): empty object", dev.ipc4j.os.Errno.EINVAL);
            }
            return new SharedSegment(Mapping.map(fd, size, readOnly), name, null);
        }
    }

    /** Opens a named object and maps its first {@code size} bytes; fails if the object is smaller. */
    static SharedSegment openNamed(String name, long size, boolean readOnly) throws IOException {
        try (Fd fd = NamedShm.open(name, readOnly)) {
            return new SharedSegment(Mapping.map(fd, size, readOnly), name, null);
        }
    }

    /** The mapped bytes (read-only when {@link #isReadOnly()}); access after {@link #close()} throws. */
    public MemorySegment memory() {
        return mapping.segment();
    }

    /** Bytes mapped. */
    public long size() {
        return mapping.length();
    }

    public boolean isReadOnly() {
        return mapping.isReadOnly();
    }

    /** The /dev/shm name, or empty for an anonymous memfd. */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** The memfd of an anonymous segment (for passing it over a socket), or null for a named one. */
    Fd fd() {
        return fd;
    }

    /**
     * Touches every page so later first writes do not pay the page fault (fresh tmpfs pages fault in at about 1 GB/s).
     * Writing a zero into a fresh page changes nothing a reader could see.
     */
    public void prefault() {
        if (isReadOnly()) {
            throw new ShmAccessException("cannot pre-fault a read-only segment");
        }
        MemorySegment m = memory();
        for (long at = 0; at < m.byteSize(); at += PAGE) {
            m.set(ValueLayout.JAVA_BYTE, at, m.get(ValueLayout.JAVA_BYTE, at));
        }
    }

    /** Removes the name (mappings stay valid); a no-op for anonymous segments and for names already gone. */
    public void unlink() throws IOException {
        if (name != null) {
            unlink(name);
        }
    }

    static void unlink(String name) throws ErrnoException {
        try {
            NamedShm.unlink(name);
        } catch (ErrnoException e) {
            if (e.errno() != dev.ipc4j.os.Errno.ENOENT) {
                throw e;
            }
        }
    }

    public boolean isOpen() {
        return mapping.isOpen();
    }

    /** Unmaps (and closes the memfd of an anonymous segment); idempotent. */
    @Override
    public void close() throws IOException {
        mapping.close();
        if (fd != null) {
            fd.close();
        }
    }

    @Override
    public String toString() {
        return "SharedSegment[" + (name == null ? "memfd" : name) + ", " + size() + " bytes"
                + (isReadOnly() ? ", read-only]" : "]");
    }

    private static void requirePositive(long size) {
        if (size <= 0) {
            throw new IllegalArgumentException("segment size must be positive: " + size);
        }
    }

    private static void unlinkQuietly(String name, Exception cause) {
        try {
            unlink(name);
        } catch (ErrnoException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }
}
