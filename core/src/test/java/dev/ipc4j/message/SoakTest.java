package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak (issue 13): checksummed request/response traffic between this process and a responder process, over two
 * ring channels, in a fixed cycle of sizes from 8 bytes (inline) to 96 MiB (a huge block, larger than a segment, with
 * its own memfd each time). After warm-up cycles, the server's descriptors, threads and session arena (bytes carved)
 * must stay flat, and nothing stays held: whatever one round trip takes, it gives back.
 *
 * <p>The CI run is short (about 10 s of traffic); the longer mode: {@code -Dipc4j.soak.seconds=600}.
 */
class SoakTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final long SECONDS = Long.getLong("ipc4j.soak.seconds", 10);
    private static final Duration WAIT = JvmChild.TIMEOUT;
    /** One cycle: inline sizes, shared-memory blocks of several classes, and a huge block. */
    private static final long[] SIZES = {8, 1000, 4096, 70_000, 1 << 20, 3 << 20, 96L << 20, 100, 256 << 10};

    @TempDir
    Path runDir;

    @Test
    void checksummedTrafficLeavesDescriptorsThreadsAndMemoryFlat() throws Exception {
        try (SessionServer server = SessionServer.start(Types.cache(runDir));
             JvmChild child = JvmChild.start(MessageChild.class, "responder", runDir.toString(), "2", "false")) {
            ServerSession session = server.accept(WAIT);
            List<MessageChannel<MemorySegment>> channels = List.of(MessageChannel.of(session, 0, RawCodec.INSTANCE),
                    MessageChannel.of(session, 1, RawCodec.INSTANCE));
            child.expect("READY");
            SplittableRandom random = new SplittableRandom(13);
            ShmArena arena = session.arena();
            cycle(channels, random, null); // warm-up: every size class carved, every thread and descriptor there is
            // The least seen during traffic: a huge block's memfd may outlive its round trip by one tick (100 ms).
            long[] least = {Long.MAX_VALUE, Long.MAX_VALUE};
            cycle(channels, random, least);
            // Nothing in flight any more (the responder closes our request's block just after it answers).
            Eventually.await(() -> arena.liveBytes() == 0, "no block of the session arena held", WAIT);
            long carved = arena.usedBytes();
            long cycles = 0;
            long end = System.nanoTime() + Duration.ofSeconds(SECONDS).toNanos();
            while (System.nanoTime() < end) {
                cycle(channels, random, null);
                cycles++;
            }
            System.out.println("soak: " + cycles + " cycles of " + SIZES.length + " sizes x 2 channels in " + SECONDS
                    + " s; descriptors " + least[0] + ", threads " + least[1] + ", carved " + carved + " bytes");
            assertTrue(cycles > 0);
            Eventually.await(() -> arena.liveBytes() == 0, "no block of the session arena held", WAIT);
            // Two requests of one size may overlap (the responder closes the first just after answering it), so one
            // more block of a class may be carved after the warm-up, never more: freed blocks are reused.
            long slack = java.util.Arrays.stream(SIZES).filter(b -> b <= arena.segmentSize())
                    .map(b -> Math.max(64, Long.highestOneBit(b - 1) << 1)).sum();
            assertTrue(arena.usedBytes() <= carved + slack, "bytes carved in the session arena: " + carved + " after the warm-up, "
                    + arena.usedBytes() + " at the end");
            Eventually.await(() -> NoLeaks.descriptorCount() <= least[0], "descriptors back to " + least[0], WAIT);
            Eventually.await(() -> Thread.activeCount() <= least[1], "threads back to " + least[1], WAIT);
            child.send("EXIT");
            child.expect("BYE");
            channels.forEach(MessageChannel::close);
        }
    }

    /**
     * One request of every size on every channel, each answered with the same bytes (checked in full by CRC); records
     * the fewest descriptors and threads seen after a round trip into {@code least}, when given.
     */
    private static void cycle(List<MessageChannel<MemorySegment>> channels, SplittableRandom random, long[] least)
            throws Exception {
        for (long size : SIZES) {
            for (MessageChannel<MemorySegment> ch : channels) {
                long seed = random.nextLong();
                try (OutMessage out = ch.newMessage(size, Types.ECHO)) {
                    fill(out.payload(), seed);
                    long sent = Types.crc(out.payload());
                    try (InMessage<MemorySegment> back = ch.request(out, WAIT)) {
                        assertEquals(size, back.payload().byteSize());
                        assertEquals(sent, Types.crc(back.payload()), "echo of " + size + " bytes");
                    }
                }
                if (least != null) {
                    least[0] = Math.min(least[0], NoLeaks.descriptorCount());
                    least[1] = Math.min(least[1], Thread.activeCount());
                }
            }
        }
    }

    /** Pseudo-random bytes, a long at a time (a few per page for the big ones: the CRC still covers every byte). */
    private static void fill(MemorySegment m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long step = m.byteSize() > (1 << 20) ? 509 : 8;
        for (long at = 0; at + 8 <= m.byteSize(); at += step) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, at, r.nextLong());
        }
        m.set(ValueLayout.JAVA_BYTE, m.byteSize() - 1, (byte) r.nextInt());
    }

}
