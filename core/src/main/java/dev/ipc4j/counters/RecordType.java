package dev.ipc4j.counters;

import java.util.List;
import java.util.Optional;

/** What a {@link CounterRecord} counts for, with the values it has; its code is what the counters file holds. */
public enum RecordType {
    /** A session server: sessions and log-ins. */
    SERVER(1, List.of(ServerField.values())),
    /** A session, on either side: its channels, its peer, its errors by category. */
    SESSION(2, List.of(SessionField.values())),
    /** A message channel: messages and bytes each way, back-pressure, calls open. */
    CHANNEL(3, List.of(ChannelField.values())),
    /** A shared-memory arena this process created: what it holds, its high-water mark, allocations. */
    ARENA(4, List.of(ArenaField.values()));

    private final int code;
    private final List<Field> fields;

    RecordType(int code, List<Field> fields) {
        this.code = code;
        this.fields = fields;
    }

    /** The number in the record's TYPE word. */
    public int code() {
        return code;
    }

    /** The record's values, in declaration order. */
    public List<Field> fields() {
        return fields;
    }

    /** The name readers show: {@code server}, {@code session}, {@code channel}, {@code arena}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The type with {@code code}; empty for a code this version does not know (a reader skips such records). */
    public static Optional<RecordType> byCode(int code) {
        for (RecordType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
