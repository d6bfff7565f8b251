package dev.ipc4j.bench.demo;

import java.util.Locale;

/** Payload sizes as people write them ({@code 100KiB}, {@code 1MiB}, {@code 1GiB}, {@code 4096}) and back. */
public final class ByteSizes {
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

    private ByteSizes() {}

    /** Parses a whole number of bytes with an optional binary unit (B, KiB, MiB, GiB; K, M, G accepted too). */
    public static long parse(String text) {
        String t = text.trim();
        int split = 0;
        while (split < t.length() && Character.isDigit(t.charAt(split))) {
            split++;
        }
        if (split == 0) {
            throw new IllegalArgumentException("not a size: '" + text + "' (e.g. 100KiB, 1MiB, 1GiB)");
        }
        long number;
        try {
            number = Long.parseLong(t.substring(0, split));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
        int shift = switch (t.substring(split).trim().toLowerCase(Locale.ROOT)) {
            case "", "b" -> 0;
            case "k", "kib", "kb" -> 10;
            case "m", "mib", "mb" -> 20;
            case "g", "gib", "gb" -> 30;
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "' (B, KiB, MiB or GiB)");
        };
        if (number > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("size too large: '" + text + "'");
        }
        return number << shift;
    }

    /** The largest binary unit that divides {@code bytes} exactly: {@code 100 KiB}, {@code 1 GiB}, {@code 1000 B}. */
    public static String format(long bytes) {
        int unit = 0;
        long value = bytes;
        while (unit < UNITS.length - 1 && value >= 1024 && value % 1024 == 0) {
            value /= 1024;
            unit++;
        }
        return value + " " + UNITS[unit];
    }
}
