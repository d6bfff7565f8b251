package dev.ipc4j.pubsub;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/** What the pub/sub tests share: the apps, and samples that carry their sequence number and a checksum. */
final class Samples {
    static final ClientApp READER = ClientApp.named("reader").build();
    static final String TOPIC = "quotes";
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private Samples() {}

    static ServerApp feed(Path runDirectory) {
        return ServerApp.named("feed").allowing(READER).runDirectory(runDirectory).build();
    }

    /** Writes sample {@code sequence} into {@code to} (at least 24 bytes): sequence, checksum, ..., sequence again. */
    static void write(MemorySegment to, long sequence) {
        long n = to.byteSize();
        to.set(LONG, 0, sequence);
        to.set(LONG, 8, checksum(sequence, n));
        to.set(LONG, n - 8, ~sequence);
    }

    /** Whether {@code sample} is sample {@code sequence}, whole: its three words agree with the number and length. */
    static boolean check(MemorySegment sample, long sequence) {
        long n = sample.byteSize();
        return n >= 24 && sample.get(LONG, 0) == sequence && sample.get(LONG, 8) == checksum(sequence, n)
                && sample.get(LONG, n - 8) == ~sequence;
    }

    private static long checksum(long sequence, long length) {
        long h = sequence * 0x9E3779B97F4A7C15L ^ length;
        return h ^ (h >>> 29);
    }
}
