package dev.ipc4j.bench.load;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.CRC32C;

/**
 * The payloads of {@code bench load}: every request and response starts with a {@value #HEADER}-byte header and carries
 * a body of words derived from (client, sequence, direction, position), whose CRC32C the header holds. Whoever receives
 * a payload checks all of it ({@link #check}): header fields as expected, body CRC32C equal to the header's.
 *
 * <pre>
 *  0          8        12       16             20       24       28       32
 *  +----------+--------+--------+--------------+--------+--------+--------+--------------------------+
 *  | SEQUENCE | CLIENT | KIND   | RESPONSE LEN | STATUS | CRC32C | MAGIC  | body: words (pattern)    |
 *  +----------+--------+--------+--------------+--------+--------+--------+--------------------------+
 * </pre>
 *
 * Little-endian (native) fields; STATUS is 0, or on a response {@link #STATUS_BAD_REQUEST} when the server found the
 * request damaged. Sizes are multiples of 8 and at least {@value #SMALL_BYTES}.
 */
final class LoadProtocol {
    /** Routing types of the two messages. */
    static final int REQUEST = 1;
    static final int RESPONSE = 2;

    static final int HEADER = 32;
    static final int SMALL_BYTES = 64;
    static final int MAGIC_VALUE = 0x44414f4c; // "LOAD"
    static final int STATUS_OK = 0;
    static final int STATUS_BAD_REQUEST = 1;

    /** Request kinds: small both ways, a large response, a large request. */
    static final int SMALL = 0;
    static final int LARGE_RESPONSE = 1;
    static final int LARGE_REQUEST = 2;
    static final int KINDS = 3;
    static final String[] KIND_NAMES = {"small", "large_response", "large_request"};

    private static final long SEQUENCE = 0;
    private static final long CLIENT = 8;
    private static final long KIND = 12;
    private static final long RESPONSE_LENGTH = 16;
    private static final long STATUS = 20;
    private static final long CRC = 24;
    private static final long MAGIC = 28;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private LoadProtocol() {}

    /**
     * The kind of request number {@code sequence}: of every 20 consecutive requests, 13 small (65 %), 5 with a large
     * response (25 %), 2 with a large request (10 %), spread out; so every kind appears in any 20 requests in a row.
     */
    static int kindOf(long sequence) {
        int slot = (int) Math.floorMod(sequence * 7, 20L); // 7 is coprime with 20: a permutation of 0..19
        return slot < 13 ? SMALL : slot < 18 ? LARGE_RESPONSE : LARGE_REQUEST;
    }

    /** The body's repeating unit (see {@link #write}). */
    private static final long TILE = 4096;

    /** Writes a whole payload: header with the body's CRC32C, then the body's words. */
    static void write(MemorySegment payload, long sequence, int client, int kind, int responseLength, int status,
            boolean response) {
        long length = payload.byteSize();
        long seed = seed(sequence, client, response);
        // The first tile word by word (seeded per request), the rest copies of it: a 1 MiB body costs a memcpy, not
        // 131,072 computed stores, so the figures measure the IPC more than the payload's making. The CRC32C in the
        // header still covers every byte, and the seed makes every request's body differ.
        long tileEnd = Math.min(length, HEADER + TILE);
        for (long at = HEADER; at + 8 <= tileEnd; at += 8) {
            payload.set(LONG, at, word(seed, at));
        }
        for (long at = tileEnd; at < length; at += TILE) {
            MemorySegment.copy(payload, HEADER, payload, at, Math.min(TILE, length - at));
        }
        payload.set(LONG, SEQUENCE, sequence);
        payload.set(INT, CLIENT, client);
        payload.set(INT, KIND, kind);
        payload.set(INT, RESPONSE_LENGTH, responseLength);
        payload.set(INT, STATUS, status);
        payload.set(INT, CRC, crc(payload));
        payload.set(INT, MAGIC, MAGIC_VALUE);
    }

    /**
     * Checks a payload completely; returns null when it is what {@code sequence} of {@code client} should be, else what
     * is wrong. {@code expectedKind} < 0 accepts any kind (the server learns it from the request).
     */
    static String check(MemorySegment payload, long sequence, int client, int expectedKind, boolean response) {
        long length = payload.byteSize();
        if (length < HEADER || length % 8 != 0) {
            return "a payload of " + length + " bytes";
        }
        if (payload.get(INT, MAGIC) != MAGIC_VALUE) {
            return "no magic";
        }
        if (payload.get(LONG, SEQUENCE) != sequence || payload.get(INT, CLIENT) != client) {
            return "sequence " + payload.get(LONG, SEQUENCE) + " of client " + payload.get(INT, CLIENT) + ", expected " + sequence
                    + " of " + client;
        }
        int kind = payload.get(INT, KIND);
        if (kind < 0 || kind >= KINDS || (expectedKind >= 0 && kind != expectedKind)) {
            return "kind " + kind;
        }
        if (payload.get(INT, CRC) != crc(payload)) {
            return "body CRC32C mismatch (" + length + " bytes)";
        }
        return null;
    }

    static long sequence(MemorySegment payload) {
        return payload.get(LONG, SEQUENCE);
    }

    static int client(MemorySegment payload) {
        return payload.get(INT, CLIENT);
    }

    static int kind(MemorySegment payload) {
        return payload.get(INT, KIND);
    }

    static int responseLength(MemorySegment payload) {
        return payload.get(INT, RESPONSE_LENGTH);
    }

    static int status(MemorySegment payload) {
        return payload.get(INT, STATUS);
    }

    private static int crc(MemorySegment payload) {
        CRC32C crc = new CRC32C();
        crc.update(payload.asSlice(HEADER).asByteBuffer());
        return (int) crc.getValue();
    }

    private static long seed(long sequence, int client, boolean response) {
        long s = (sequence * 0x9E3779B97F4A7C15L) ^ ((long) client << 40) ^ (response ? 0x5851F42D4C957F2DL : 0);
        return s ^ (s >>> 31);
    }

    private static long word(long seed, long at) {
        return seed ^ (at * 0xBF58476D1CE4E5B9L);
    }
}
