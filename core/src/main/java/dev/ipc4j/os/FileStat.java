package dev.ipc4j.os;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * What {@code fstat(2)} reports about a descriptor.
 *
 * <pre>
 * struct stat on x86-64 (144 bytes); the fields read here:
 *   offset 24  st_mode  u32     (type bits | permission bits)
 *   offset 28  st_uid   u32
 *   offset 32  st_gid   u32
 *   offset 48  st_size  i64
 * </pre>
 *
 * @param mode the full st_mode (use {@link #permissions()} for the 0777 part)
 */
public record FileStat(int mode, int uid, int gid, long size) {
    static final long STRUCT_SIZE = 144;
    private static final long ST_MODE = 24;
    private static final long ST_UID = 28;
    private static final long ST_GID = 32;
    private static final long ST_SIZE = 48;

    static FileStat of(MemorySegment stat) {
        return new FileStat(stat.get(ValueLayout.JAVA_INT, ST_MODE), stat.get(ValueLayout.JAVA_INT, ST_UID),
                stat.get(ValueLayout.JAVA_INT, ST_GID), stat.get(ValueLayout.JAVA_LONG, ST_SIZE));
    }

    /** The permission bits, e.g. {@code 0600}. */
    public int permissions() {
        return mode & 0777;
    }
}
