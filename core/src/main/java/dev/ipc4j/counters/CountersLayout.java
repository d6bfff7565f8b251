package dev.ipc4j.counters;

import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * The layout of a process's counters file (one per app per process: a memfd named {@code ipc4j.APP.counters}, found by
 * readers in {@code /proc/PID/fd}). Little-endian, as the machine. One writer process; readers copy it with
 * {@code pread} and never map it, so a file that shrinks or lies costs a reader an error, never a fault.
 *
 * <pre>
 * header (128 bytes)
 *   0  MAGIC        u64  "ipc4jCNT"
 *   8  VERSION      u32  1
 *  12  RECORD_SIZE  u32  256
 *  16  CAPACITY     u32  records the file has room for
 *  20  HIGH         u32  records ever placed: only records below it can be live (written with release)
 *  24  PID          u64  the writer's pid
 *  32  STARTED      u64  when the file was created, ms since the epoch
 *  40  OVERFLOW     u64  records that found no room and count in private memory instead
 *  48  APP_LENGTH   u32
 *  52  APP          48 bytes, UTF-8
 * record i at HEADER + i * RECORD_SIZE (256 bytes)
 *   0  STATE        u32  0 free, 1 live: written last (release) when a record is placed, first when it is freed
 *   4  TYPE         u32  {@link RecordType#code()}
 *   8  GENERATION   u32  one more each time the slot is placed: a reader tells a new object in an old slot
 *  12  PARENT       i32  the record this one belongs to (a channel's session, a session's server), -1 none
 *  16  ID           u64  the object's own number (a session's id, a channel's index)
 *  24  LABEL_LENGTH u32
 *  28  LABEL        36 bytes, UTF-8, cut at a character boundary
 *  64  VALUES       24 x i64 on three cache lines: {@link Field#slot()} 0-7, 8-15, 16-23; values written by
 *                   different threads (a channel's sender and its reader) sit on different lines
 * </pre>
 */
final class CountersLayout {
    static final long MAGIC_VALUE = 0x544e436a34637069L; // "ipc4jCNT" read as a little-endian long
    static final int VERSION_VALUE = 1;

    static final int MAGIC = 0;
    static final int VERSION = 8;
    static final int RECORD_SIZE_FIELD = 12;
    static final int CAPACITY = 16;
    static final int HIGH = 20;
    static final int PID = 24;
    static final int STARTED = 32;
    static final int OVERFLOW = 40;
    static final int APP_LENGTH = 48;
    static final int APP = 52;
    static final int APP_MAX = 48;
    static final int HEADER = 128;

    static final int RECORD_SIZE = 256;
    static final int STATE = 0;
    static final int TYPE = 4;
    static final int GENERATION = 8;
    static final int PARENT = 12;
    static final int ID = 16;
    static final int LABEL_LENGTH = 24;
    static final int LABEL = 28;
    static final int LABEL_MAX = 36;
    static final int VALUES = 64;
    static final int VALUE_COUNT = 24;

    static final int FREE = 0;
    static final int LIVE = 1;

    /** Records a file has room for by default: a server with 63 sessions of a few channels each fits many times. */
    static final int DEFAULT_CAPACITY = 4096;

    static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private CountersLayout() {}

    static long record(int index) {
        return HEADER + (long) index * RECORD_SIZE;
    }

    static long fileSize(int capacity) {
        return record(capacity);
    }
}
