package dev.ipc4j.message;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A call's headers (sent with its opening) or trailers (sent with its close): an ordered list of keys, each with a
 * value of bytes, as gRPC's metadata (text values are UTF-8; keys ending in {@code -bin} hold any bytes by convention).
 * Immutable; {@link #with} returns a copy with one more entry. Keys are 1 to 255 characters of lowercase ASCII
 * letters, digits and {@code -_.}; all of it together must fit a call frame (64 KiB).
 */
public final class Metadata {
    /** One key and its value. */
    public record Entry(String key, byte[] value) {
        public Entry {
            checkKey(key);
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }
    }

    private static final Metadata EMPTY = new Metadata(List.of());
    private final List<Entry> entries;

    private Metadata(List<Entry> entries) {
        this.entries = entries;
    }

    /** No entries. */
    public static Metadata empty() {
        return EMPTY;
    }

    /** The entries as given (each checked when it was made). */
    static Metadata of(List<Entry> entries) {
        return entries.isEmpty() ? EMPTY : new Metadata(List.copyOf(entries));
    }

    /** A copy with {@code key} = {@code value} (UTF-8) added at the end. */
    public Metadata with(String key, String value) {
        return with(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A copy with {@code key} = {@code value} added at the end. */
    public Metadata with(String key, byte[] value) {
        List<Entry> more = new ArrayList<>(entries);
        more.add(new Entry(key, Objects.requireNonNull(value, "value")));
        return new Metadata(List.copyOf(more));
    }

    /** The last value of {@code key} as UTF-8 text, or null. */
    public String get(String key) {
        byte[] v = getBytes(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** The last value of {@code key}, or null. */
    public byte[] getBytes(String key) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).key().equals(key)) {
                return entries.get(i).value();
            }
        }
        return null;
    }

    /** Every entry, in the order added (a key may repeat). */
    public List<Entry> entries() {
        return entries;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    static void checkKey(String key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > 255) {
            throw new IllegalArgumentException("a metadata key has 1 to 255 characters: '" + key + "'");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.')) {
                throw new IllegalArgumentException("a metadata key is lowercase ASCII letters, digits and -_. : '" + key + "'");
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Metadata[");
        for (Entry e : entries) {
            b.append(e.key()).append('=').append(e.key().endsWith("-bin") ? e.value().length + " bytes"
                    : new String(e.value(), StandardCharsets.UTF_8)).append(' ');
        }
        return b.append(']').toString();
    }
}
