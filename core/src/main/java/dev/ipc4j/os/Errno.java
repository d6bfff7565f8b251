package dev.ipc4j.os;

import java.lang.foreign.MemorySegment;

/** The errno values ipc4j reacts to, and their names and descriptions as glibc knows them. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOSYS = 38;
    public static final int ENOTSOCK = 88;
    public static final int ENOPROTOOPT = 92;
    public static final int EADDRINUSE = 98;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;

    private Errno() {}

    /** The symbolic name, e.g. {@code "ENOENT"}; {@code "errno 1234"} for a value glibc does not know. */
    public static String name(int errno) {
        return text(Libc.strerrorname(errno), errno);
    }

    /** The kernel's description in English, e.g. {@code "No such file or directory"}. */
    public static String description(int errno) {
        return text(Libc.strerrordesc(errno), errno);
    }

    @SuppressWarnings("restricted") // strerrordesc returns a static NUL-terminated string, far shorter than 256 bytes
    private static String text(MemorySegment cString, int errno) {
        return cString.equals(MemorySegment.NULL) ? "errno " + errno : cString.reinterpret(256).getString(0);
    }
}
