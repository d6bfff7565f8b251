package dev.ipc4j.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The acceptance criteria of shared memory, between real JVM processes. */
class ShmCrossProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static ShmArena.Config config(String arena) {
        return ShmArena.Config.of("test", arena + System.nanoTime() % 1_000_000).withSharing(ShmArena.Sharing.BY_NAME)
                .withSegmentSize(1 << 20).withLeakDetection(ShmArena.LeakDetection.ALL);
    }

    @Test
    void aOneGibBlockWrittenHereIsReadInPlaceThereAndFreedOnlyAfterBothClose() throws Exception {
        long size = 1L << 30;
        try (ShmArena arena = ShmArena.create(config("huge").withQuota(2L << 30));
                JvmChild child = JvmChild.start(ShmChild.class, "huge", arena.name())) {
            child.expect("ATTACHED");
            ShmBlock block = arena.allocate(size);
            MemorySegment m = block.memory();
            long expected = 0;
            for (long at = 0; at < size; at += SharedSegment.PAGE) {
                m.set(ValueLayout.JAVA_LONG, at, at + 7);
                expected += at + 7;
            }
            ShmHandle handle = arena.lend(block);
            String segmentName = arena.name() + "." + handle.segmentId();
            child.send(ShmChild.hex(handle));
            assertEquals(expected + " " + size, child.expect("SUM"), "the child read every page in place");

            block.close();
            assertEquals(size, arena.usedBytes(), "the borrower still holds it: not freed");
            assertTrue(Files.exists(Path.of("/dev/shm", segmentName)));

            child.send("CLOSE");
            child.expect("CLOSED");
            assertEquals(0, arena.usedBytes(), "freed once both closed: its gigabyte went back");
            assertEquals(0, arena.liveBytes());
            assertFalse(Files.exists(Path.of("/dev/shm", segmentName)), "its segment is gone");
            child.send("EXIT");
            assertEquals(0, child.awaitExit());
        }
    }

    @Test
    void aPeerKilledWhileHolding1000LeasesHasThemAllReclaimedByTheSurvivor() throws Exception {
        int count = 1000;
        try (ShmArena arena = ShmArena.create(config("kill"));
                JvmChild child = JvmChild.start(ShmChild.class, "hold", arena.name())) {
            child.expect("ATTACHED");
            List<ShmBlock> blocks = new ArrayList<>();
            child.send(Integer.toString(count));
            for (int i = 0; i < count; i++) {
                ShmBlock block = arena.allocate(64 + i);
                blocks.add(block);
                child.send(ShmChild.hex(arena.lend(block)));
            }
            assertEquals(Integer.toString(count + 10), child.expect("HOLDING"));
            for (ShmBlock block : blocks) {
                block.close();
            }
            long held = arena.liveBytes();
            assertTrue(held > 0, "the child's holds keep the blocks alive");
            assertEquals(0, arena.reclaimDeadHolders(), "nothing is reclaimed from a live process");

            child.kill();
            child.awaitExit();
            assertEquals(count + 10, arena.reclaimDeadHolders());
            assertEquals(0, arena.liveBytes(), "every block the dead process held is free again");
            assertEquals(0, arena.reclaimDeadHolders(), "and reclaiming twice frees nothing twice");
            try (ShmBlock again = arena.allocate(64)) {
                assertEquals(64, again.memory().byteSize(), "the freed blocks are reused");
            }
        }
    }

    @Test
    void twoProcessesAllocatingAndFreeingInOneArenaAtOnceNeverGetTheSameBlock() throws Exception {
        try (ShmArena arena = ShmArena.create(config("churn").withSegmentSize(64 << 10).withLeakDetection(ShmArena.LeakDetection.OFF));
                JvmChild child = JvmChild.start(ShmChild.class, "churn", arena.name())) {
            child.expect("ATTACHED");
            try (ShmBlock flag = arena.allocate(64)) {
                child.send(ShmChild.hex(arena.lend(flag)));
                long deadline = System.nanoTime() + JvmChild.TIMEOUT.toNanos();
                while (flag.memory().get(ValueLayout.JAVA_LONG, ShmChild.STARTED) == 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                int overwrittenHere = ShmChild.churn(arena, 1, 200_000); // while the child churns too
                ValueLayout.JAVA_LONG.varHandle().setRelease(flag.memory(), ShmChild.STOP, 1L);
                String[] reported = child.expect("CHURNED").split(" ");
                assertEquals("0", reported[0], "no block of the child was handed to us as well");
                assertEquals(0, overwrittenHere, "no block of ours was handed to the child as well");
                assertTrue(Long.parseLong(reported[1]) > 0, "the child churned while we did");
            }
            child.send("EXIT");
            assertEquals(0, child.awaitExit());
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void forgedHandlesGiveTypedExceptionsInAnotherProcessNeverACrash() throws Exception {
        try (ShmArena arena = ShmArena.create(config("forge"));
                JvmChild child = JvmChild.start(ShmChild.class, "forge", arena.name());
                ShmBlock block = arena.allocate(256)) {
            child.expect("ATTACHED");
            block.memory().set(ValueLayout.JAVA_LONG, 0, 4242);
            child.send(ShmChild.hex(arena.lend(block)));
            String[] seen = child.expect("FORGED").split(" ");
            assertTrue(Integer.parseInt(seen[0]) > 19_000, "random bytes are malformed: " + seen[0]);
            assertTrue(Integer.parseInt(seen[1]) > 0, "unknown segments: " + seen[1]);
            assertTrue(Integer.parseInt(seen[2]) > 0, "out of range: " + seen[2]);
            assertTrue(Integer.parseInt(seen[3]) > 0, "stale generations: " + seen[3]);
            assertEquals("0", seen[4], "no forged handle resolved to memory");
            assertEquals("4242", child.expect("REAL"));
            child.send("EXIT");
            assertEquals(0, child.awaitExit());
        }
    }

    @Test
    void aBorrowerOfAnOwnedArenaCannotWriteThroughItsReadOnlyMapping() throws Exception {
        try (ShmArena arena = ShmArena.create(config("owned").withOwnership(ShmArena.Ownership.OWNED));
                JvmChild child = JvmChild.start(ShmChild.class, "owned", arena.name());
                ShmBlock block = arena.allocate(4096)) {
            child.expect("ATTACHED");
            block.memory().set(ValueLayout.JAVA_LONG, 0, 1234);
            child.send(ShmChild.hex(arena.lend(block)));
            // read-only in Java, write refused with an exception, allocation refused, PROT_READ shared mapping
            assertEquals("true IllegalArgumentException refused r--s 1234", child.expect("OWNED"));
            assertEquals(1234, block.memory().get(ValueLayout.JAVA_LONG, 0), "the owner's data is untouched");
            child.send("EXIT");
            assertEquals(0, child.awaitExit());
        }
    }
}
