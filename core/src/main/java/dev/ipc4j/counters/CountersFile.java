package dev.ipc4j.counters;

import static dev.ipc4j.counters.CountersLayout.INT;
import static dev.ipc4j.counters.CountersLayout.LONG;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The counters file of one app in this process (see {@link CountersLayout}): created with its first record, closed
 * with its last, so a process with nothing open keeps no descriptor for it. A memfd, not a name under /dev/shm: it
 * goes with its process however that ends, and a killed process leaves nothing for a sweeper.
 *
 * <p>Placing and freeing records is rare (an object opens or closes) and takes one lock for all files; the values are
 * written without it.
 */
final class CountersFile {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.counters");
    }
    /** The open file of each app; guarded by itself, as is every file's slot bookkeeping. */
    private static final Map<String, CountersFile> OPEN = new HashMap<>();
    private static boolean warned; // guarded by OPEN

    private final String app;
    private final Fd fd; // kept open while records live: readers find the file in /proc/PID/fd
    private final MemorySegment memory; // unmapped by the GC once no record refers to it
    private final int capacity;
    private final int[] free; // freed slots, a stack; guarded by OPEN
    private int freeCount;    // guarded by OPEN
    private int high;         // guarded by OPEN
    private int live;         // guarded by OPEN

    private CountersFile(String app, Fd fd, MemorySegment memory, int capacity) {
        this.app = app;
        this.fd = fd;
        this.memory = memory;
        this.capacity = capacity;
        this.free = new int[capacity];
    }

    /** The memfd's name: what readers look for in /proc/PID/fd. */
    static String memfdName(String app) {
        return "ipc4j." + app + ".counters";
    }

    /** A new root record in {@code app}'s file of this process (the file is created if need be). */
    static CounterRecord place(String app, RecordType type, long id, String label) {
        synchronized (OPEN) {
            CountersFile f = OPEN.get(app);
            if (f == null) {
                try {
                    f = create(app, CountersLayout.DEFAULT_CAPACITY);
                } catch (ErrnoException | RuntimeException e) {
                    if (!warned) {
                        warned = true;
                        Log.LOG.log(System.Logger.Level.WARNING, "no counters file for app " + app
                                + ": counters are kept in private memory, ipc4j stat will not see them", e);
                    }
                    return CounterRecord.detached(type);
                }
                OPEN.put(app, f);
            }
            return f.placeLocked(type, id, -1, label);
        }
    }

    /** A new record in this file under {@code parent}. */
    CounterRecord placeChild(RecordType type, long id, int parent, String label) {
        synchronized (OPEN) {
            return placeLocked(type, id, parent, label);
        }
    }

    private static CountersFile create(String app, int capacity) throws ErrnoException {
        long size = CountersLayout.fileSize(capacity);
        Fd fd = MemFd.create(memfdName(app), size);
        try {
            MemFd.seal(fd, MemFd.SEAL_SIZE); // its size is fixed: whoever maps it can never fault past its end
            MemorySegment m = Mapping.mapUntilUnreachable(fd, size);
            byte[] name = app.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(name.length, CountersLayout.APP_MAX);
            MemorySegment.copy(MemorySegment.ofArray(name), 0, m, CountersLayout.APP, n);
            INT.set(m, (long) CountersLayout.APP_LENGTH, n);
            INT.set(m, (long) CountersLayout.VERSION, CountersLayout.VERSION_VALUE);
            INT.set(m, (long) CountersLayout.RECORD_SIZE_FIELD, CountersLayout.RECORD_SIZE);
            INT.set(m, (long) CountersLayout.CAPACITY, capacity);
            LONG.set(m, (long) CountersLayout.PID, ProcessHandle.current().pid());
            LONG.set(m, (long) CountersLayout.STARTED, System.currentTimeMillis());
            LONG.setRelease(m, (long) CountersLayout.MAGIC, CountersLayout.MAGIC_VALUE); // last: the header is whole
            return new CountersFile(app, fd, m, capacity);
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(fd, e);
            throw e;
        }
    }

    private CounterRecord placeLocked(RecordType type, long id, int parent, String label) {
        int index;
        if (freeCount > 0) {
            index = free[--freeCount];
        } else if (high < capacity) {
            index = high++;
        } else {
            LONG.getAndAdd(memory, (long) CountersLayout.OVERFLOW, 1L);
            return CounterRecord.detached(type);
        }
        long r = CountersLayout.record(index);
        int generation = (int) INT.get(memory, r + CountersLayout.GENERATION) + 1;
        INT.set(memory, r + CountersLayout.TYPE, type.code());
        INT.set(memory, r + CountersLayout.GENERATION, generation);
        INT.set(memory, r + CountersLayout.PARENT, parent);
        LONG.set(memory, r + CountersLayout.ID, id);
        byte[] text = label(label);
        MemorySegment.copy(MemorySegment.ofArray(text), 0, memory, r + CountersLayout.LABEL, text.length);
        INT.set(memory, r + CountersLayout.LABEL_LENGTH, text.length);
        MemorySegment values = memory.asSlice(r + CountersLayout.VALUES, CountersLayout.VALUE_COUNT * 8L);
        values.fill((byte) 0);
        INT.setRelease(memory, r + CountersLayout.STATE, CountersLayout.LIVE); // last: readers see it whole
        INT.setRelease(memory, (long) CountersLayout.HIGH, high);
        live++;
        return new CounterRecord(this, index, type, values);
    }

    /** Frees a record's slot; the file closes with its last record (the mapping stays until unreachable). */
    void free(int index) {
        synchronized (OPEN) {
            INT.setRelease(memory, CountersLayout.record(index) + CountersLayout.STATE, CountersLayout.FREE);
            free[freeCount++] = index;
            if (--live == 0) {
                if (OPEN.get(app) == this) {
                    OPEN.remove(app);
                }
                Closing.quietly(fd);
            }
        }
    }

    /** {@code label} as UTF-8, cut to fit at a character boundary. */
    private static byte[] label(String label) {
        byte[] b = label.getBytes(StandardCharsets.UTF_8);
        if (b.length <= CountersLayout.LABEL_MAX) {
            return b;
        }
        int n = CountersLayout.LABEL_MAX;
        while (n > 0 && (b[n] & 0xC0) == 0x80) {
            n--; // b[n] continues a character: cut before the character starts
        }
        return java.util.Arrays.copyOf(b, n);
    }
}
