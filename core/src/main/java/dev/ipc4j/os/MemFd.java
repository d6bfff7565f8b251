package dev.ipc4j.os;

import java.lang.foreign.Arena;

/**
 * Anonymous shared memory ({@code memfd_create(2)}): no name in any filesystem, shared by passing the descriptor over
 * a Unix socket, gone when the last descriptor and mapping are.
 *
 * <p>A receiver must not map a memfd whose owner can still shrink it: touching a page past the end raises SIGBUS.
 * {@link #requireSealedSize} checks that the size is sealed before anything is mapped.
 */
public final class MemFd {
    /** Seals (fcntl F_ADD_SEALS): once added, never removed. */
    public static final int SEAL_SEAL = 0x1;
    public static final int SEAL_SHRINK = 0x2;
    public static final int SEAL_GROW = 0x4;
    public static final int SEAL_WRITE = 0x8;
    /**
     * No new writable mapping and no write(2), while mappings made before the seal stay writable: how an owner keeps
     * writing memory that others may only read, whatever descriptor they hold (Linux 5.1).
     */
    public static final int SEAL_FUTURE_WRITE = 0x10;
    /** The size can no longer change, and nobody can say otherwise later. */
    public static final int SEAL_SIZE = SEAL_SEAL | SEAL_SHRINK | SEAL_GROW;

    private static final int MFD_CLOEXEC = 0x1;
    private static final int MFD_ALLOW_SEALING = 0x2;
    private static final int F_ADD_SEALS = 1033;
    private static final int F_GET_SEALS = 1034;

    private MemFd() {}

    /**
     * Creates a memfd of {@code size} bytes (zero-filled, pages allocated on first touch).
     *
     * @param name shown in /proc/PID/fd and /proc/PID/maps as {@code /memfd:name}; need not be unique
     */
    public static Fd create(String name, long size) throws ErrnoException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        int number;
        try (Arena arena = Arena.ofConfined()) {
            number = Libc.check(Libc.memfdCreate(arena.allocateFrom(name), MFD_CLOEXEC | MFD_ALLOW_SEALING),
                    "memfd_create(" + name + ")");
        }
        Fd fd = Fd.adopt(number);
        if (Libc.ftruncate(number, size) < 0) {
            ErrnoException e = new ErrnoException("ftruncate(memfd " + name + ", " + size + ")", Libc.errno());
            Closing.quietly(fd, e);
            throw e;
        }
        return fd;
    }

    /** Adds seals (see the {@code SEAL_} constants). */
    public static void seal(Fd fd, int seals) throws ErrnoException {
        Libc.check(Libc.fcntl(fd.get(), F_ADD_SEALS, seals), "fcntl(F_ADD_SEALS, fd " + fd + ")");
    }

    /** The seals in force; fails with EINVAL for a descriptor that is not a memfd. */
    public static int seals(Fd fd) throws ErrnoException {
        return Libc.check(Libc.fcntl(fd.get(), F_GET_SEALS, 0), "fcntl(F_GET_SEALS, fd " + fd + ")");
    }

    /** Throws unless {@code fd} is a memfd whose size is sealed, so mapping it can never raise SIGBUS. */
    public static void requireSealedSize(Fd fd) throws ErrnoException {
        int seals = seals(fd);
        if ((seals & SEAL_SIZE) != SEAL_SIZE) {
            throw new ErrnoException("memfd fd " + fd + " has seals 0x" + Integer.toHexString(seals)
                    + " but its size must be sealed (SHRINK|GROW|SEAL) before it is mapped", Errno.EPERM);
        }
    }
}
