package dev.ipc4j.counters;

import static dev.ipc4j.counters.CountersLayout.LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The live counters of one object (a server, a session, a channel, an arena): a flyweight over its record in this
 * process's counters file, which {@code ipc4j stat} reads from another process while the values change. Writing a
 * value is one store or one atomic add to shared memory: no lock, no allocation, no system call.
 *
 * <p>Each method names its memory order and who may call it, as JCTools does: {@link #add} is atomic and any thread's;
 * {@link #addOrdered} and {@link #setOrdered} are a plain read and a release store, for a value only one thread at a
 * time writes (in happens-before order, e.g. under the lock that thread holds).
 *
 * <p>A detached record ({@link #detached}: counters turned off, or no room left in the file) counts in private
 * memory nobody else reads, through the same code: the hot path has no branch for it.
 *
 * <p>Closing frees the record's slot (idempotent) for the next object to be placed there, with its values zeroed: close
 * a record only once its object has ended, so no late write of the old object adds to the new one's values.
 */
public final class CounterRecord implements AutoCloseable {
    private final CountersFile file; // null: detached
    private final int index;         // -1: detached
    private final RecordType type;
    private final MemorySegment values;
    private final AtomicBoolean closed = new AtomicBoolean();

    CounterRecord(CountersFile file, int index, RecordType type, MemorySegment values) {
        this.file = file;
        this.index = index;
        this.type = type;
        this.values = values;
    }

    /**
     * A new record for an object of {@code app} in this process's counters file of that app, which is created with
     * its first record and closed with its last. If the file cannot be created (memfds refused) or is full, the
     * record counts in private memory: counting never fails the object it counts for.
     *
     * @param id the object's number, as readers show it (a server's: 0)
     * @param label what readers show it as (cut to 36 bytes of UTF-8)
     */
    public static CounterRecord open(String app, RecordType type, long id, String label) {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(label, "label");
        return CountersFile.place(app, type, id, label);
    }

    /** A record nobody else sees, in private memory: for objects whose counters are turned off. */
    public static CounterRecord detached(RecordType type) {
        Objects.requireNonNull(type, "type");
        MemorySegment values = Arena.ofAuto().allocate(CountersLayout.VALUE_COUNT * 8L, 64);
        return new CounterRecord(null, -1, type, values);
    }

    /** A record for an object that belongs to this one (a session's channel), in the same file; detached if this is. */
    public CounterRecord child(RecordType type, long id, String label) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(label, "label");
        return file == null ? detached(type) : file.placeChild(type, id, index, label);
    }

    /** What this record counts for. */
    public RecordType type() {
        return type;
    }

    /** Whether readers in other processes see this record (false when detached). */
    public boolean isPublished() {
        return file != null;
    }

    /** Adds {@code delta} atomically and returns the new value. Any thread. */
    public long add(Field field, long delta) {
        assert type.fields().contains(field) : field + " is not a field of a " + type + " record";
        return (long) LONG.getAndAdd(values, (long) field.slot() * 8, delta) + delta;
    }

    /** Adds {@code delta} with a plain read and a release store. Only the value's single writer. */
    public void addOrdered(Field field, long delta) {
        assert type.fields().contains(field) : field + " is not a field of a " + type + " record";
        long at = (long) field.slot() * 8;
        LONG.setRelease(values, at, (long) LONG.get(values, at) + delta);
    }

    /** Sets the value with a release store. Only the value's single writer. */
    public void setOrdered(Field field, long value) {
        assert type.fields().contains(field) : field + " is not a field of a " + type + " record";
        LONG.setRelease(values, (long) field.slot() * 8, value);
    }

    /** Raises the value to {@code value} if it is lower (a high-water mark), atomically. Any thread. */
    public void raise(Field field, long value) {
        long at = (long) field.slot() * 8;
        long seen = (long) LONG.getAcquire(values, at);
        while (seen < value) {
            long witness = (long) LONG.compareAndExchange(values, at, seen, value);
            if (witness == seen) {
                return;
            }
            seen = witness;
        }
    }

    /** The value now (acquire). Any thread. */
    public long get(Field field) {
        return (long) LONG.getAcquire(values, (long) field.slot() * 8);
    }

    /** Frees the record's slot for another object; idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && file != null) {
            file.free(index);
        }
    }

    @Override
    public String toString() {
        return type.key() + " record " + (file == null ? "(detached)" : "#" + index);
    }
}
