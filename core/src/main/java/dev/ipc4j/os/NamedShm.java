package dev.ipc4j.os;

import java.lang.foreign.Arena;

/**
 * Named shared memory: a file under /dev/shm, found by name, outliving its creator until unlinked. The mode is exactly
 * what the caller asks for: the process umask neither widens nor narrows it. Opened as glibc's {@code shm_open(3)} does
 * (the file {@code /dev/shm/NAME}, with O_NOFOLLOW and O_CLOEXEC), but by system call: see {@link Libc} for why.
 */
public final class NamedShm {
    /** A name may not contain '/', and glibc adds one in front; NAME_MAX is 255. */
    public static final int MAX_NAME_LENGTH = 255;

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 02;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final String DIRECTORY = "/dev/shm/";

    private NamedShm() {}

    /** Creates a new object of {@code size} bytes with permission bits {@code mode} (e.g. 0600); fails if it exists. */
    public static Fd create(String name, long size, int mode) throws ErrnoException {
        if (size < 0 || (mode & ~0777) != 0) {
            throw new IllegalArgumentException("size " + size + ", mode 0" + Integer.toOctalString(mode));
        }
        Fd fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode, "shm_open(create " + name + ")");
        try {
            // shm_open applies the umask; fchmod sets exactly the mode asked for.
            Libc.check(Libc.fchmod(fd.get(), mode), "fchmod(" + name + ", 0" + Integer.toOctalString(mode) + ")");
            Libc.check(Libc.ftruncate(fd.get(), size), "ftruncate(" + name + ", " + size + ")");
            return fd;
        } catch (ErrnoException e) {
            Closing.quietly(fd, e);
            unlinkQuietly(name, e);
            throw e;
        }
    }

    /** Opens an existing object, read-write or read-only. */
    public static Fd open(String name, boolean readOnly) throws ErrnoException {
        return open(name, (readOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC, 0, "shm_open(" + name + ")");
    }

    /** Removes the name; mappings and descriptors already open stay valid. */
    public static void unlink(String name) throws ErrnoException {
        validate(name);
        try (Arena arena = Arena.ofConfined()) {
            Libc.check(Libc.unlink(arena.allocateFrom(DIRECTORY + name)), "shm_unlink(" + name + ")");
        }
    }

    private static Fd open(String name, int flags, int mode, String call) throws ErrnoException {
        validate(name);
        try (Arena arena = Arena.ofConfined()) {
            return Fd.adopt(Libc.check(Libc.open(arena.allocateFrom(DIRECTORY + name), flags | O_NOFOLLOW, mode), call));
        }
    }

    private static void validate(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("invalid shared memory name (1-255 chars, no '/'): \"" + name + "\"");
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
