package dev.ipc4j.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.os.ProcessIdentity;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The arena within one process: sizes, growth, quota, threads, handles, leases, leaks. */
class ShmArenaTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static ShmArena.Config config() {
        return ShmArena.Config.of("unit", "a" + System.nanoTime() % 1_000_000).withSharing(ShmArena.Sharing.BY_NAME)
                .withSegmentSize(64 << 10).withLeakDetection(ShmArena.LeakDetection.ALL);
    }

    /**
     * A released huge segment's slot is used again: an arena of 4 slots passes 3,000 huge blocks, one after another,
     * to a borrower (another attachment, with its own mappings), which reads each one's own bytes, never a mapping left
     * from an earlier block in the same slot. Before, segment ids were never reused, and the fifth huge block ever
     * made failed with ShmCapacityException.
     */
    @Test
    void hugeSegmentSlotsAreUsedAgainAndNeverConfusedWithAnEarlierOne() throws Exception {
        try (ShmArena arena = ShmArena.create(config().withMaxSegments(4).withOwnership(ShmArena.Ownership.OWNED));
             ShmArena borrower = ShmArena.attach(arena.name())) {
            for (int i = 0; i < 3_000; i++) {
                long bytes = (128 << 10) + 4096L * (i % 7); // larger than a segment: a segment of its own
                ShmHandle handle;
                try (ShmBlock block = arena.allocate(bytes)) {
                    block.memory().set(ValueLayout.JAVA_INT, 0, i);
                    block.memory().set(ValueLayout.JAVA_INT, bytes - 4, ~i);
                    handle = arena.lend(block);
                    try (Lease lease = borrower.borrow(handle)) {
                        assertEquals(bytes, lease.memory().byteSize());
                        assertEquals(i, lease.memory().get(ValueLayout.JAVA_INT, 0), "block " + i);
                        assertEquals(~i, lease.memory().get(ValueLayout.JAVA_INT, bytes - 4), "block " + i);
                    }
                }
                final ShmHandle gone = handle;
                assertThrows(ShmException.class, () -> borrower.borrow(gone), "a freed block's handle, " + i);
            }
            assertTrue(arena.segmentCount() <= 4, "slots used: " + arena.segmentCount());
        }
    }

    @Test
    void blocksComeInSizeClassesAlignedToTheirSizeOrToPages() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            long[] requests = {1, 63, 64, 65, 100, 1000, 4096, 5000, 40_000};
            long[] capacities = {64, 64, 64, 128, 128, 1024, 4096, 8192, 65_536};
            for (int i = 0; i < requests.length; i++) {
                long bytes = requests[i];
                try (ShmBlock block = arena.allocate(bytes)) {
                    assertEquals(bytes, block.memory().byteSize());
                    assertEquals(capacities[i], arena.liveBytes(), "capacity of " + bytes);
                    long align = Math.min(arena.liveBytes(), SharedSegment.PAGE);
                    assertEquals(0, block.memory().address() % align, bytes + " bytes aligned to " + align);
                    block.memory().fill((byte) 7);
                }
                assertEquals(0, arena.liveBytes());
            }
        }
    }

    @Test
    void aBlocksViewIsReusedOnlyWhenItIsThatVeryView() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            long a = arena.allocateId(100);
            long b = arena.allocateId(100);
            MemorySegment view = arena.memory(a, 100);
            assertSame(view, arena.memory(a, 100, view), "the same bytes of the same mapping: no new view");
            assertNotSame(view, arena.memory(a, 64, view), "another length");
            MemorySegment other = arena.memory(b, 100, view);
            assertNotSame(view, other, "another block");
            assertEquals(arena.memory(b, 100).address(), other.address());
            arena.free(a);
            arena.free(b);
        }
    }

    @Test
    void aRetainedBlockOutlivesItsOwnersCloseUntilItsHoldIsFreed() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            ShmBlock block = arena.allocate(100);
            ShmHandle handle = arena.lend(block);
            long id = arena.retain(block);
            block.memory().set(ValueLayout.JAVA_INT, 0, 42);
            block.close();
            assertEquals(128, arena.liveBytes(), "still allocated: the retained hold keeps it");
            assertEquals(42, arena.memory(id, 100).get(ValueLayout.JAVA_INT, 0));
            try (Lease lease = arena.borrow(handle)) {
                assertEquals(42, lease.memory().get(ValueLayout.JAVA_INT, 0), "the handle is still good");
            }
            arena.free(id);
            assertEquals(0, arena.liveBytes(), "freed with the last hold");
            assertThrows(IllegalArgumentException.class, () -> arena.retain(block), "a closed block cannot be retained");
        }
    }

    @Test
    void freedBlocksAreReusedAndTheirOldHandlesGoStale() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            ShmHandle first;
            try (ShmBlock block = arena.allocate(100)) {
                first = arena.lend(block);
            }
            try (ShmBlock again = arena.allocate(100)) {
                ShmHandle second = arena.lend(again);
                assertEquals(first.offset(), second.offset(), "the freed block was reused");
                assertNotEquals(first.generation(), second.generation());
                assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(first)).reason());
            }
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(first), "freed blocks cannot be borrowed").reason());
        }
    }

    @Test
    void thePoolGrowsByAddingSegmentsAndNeverMovesABlock() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            List<ShmBlock> blocks = new ArrayList<>();
            List<Long> addresses = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                ShmBlock block = arena.allocate(4096);
                block.memory().set(ValueLayout.JAVA_INT, 0, i);
                blocks.add(block);
                addresses.add(block.memory().address());
            }
            assertTrue(arena.segmentCount() >= 7, "100 pages in 64 KiB segments: " + arena.segmentCount());
            for (int i = 0; i < 100; i++) {
                assertEquals(i, blocks.get(i).memory().get(ValueLayout.JAVA_INT, 0));
                assertEquals(addresses.get(i), blocks.get(i).memory().address());
                blocks.get(i).close();
            }
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void aBlockLargerThanASegmentGetsASegmentOfItsOwnReleasedWithIt() throws Exception {
        try (ShmArena arena = ShmArena.create(config().withPrefault(true))) {
            String name;
            try (ShmBlock block = arena.allocate(300_000)) {
                name = arena.name() + "." + block.handle().segmentId();
                assertTrue(Files.exists(Path.of("/dev/shm", name)));
                assertEquals(303_104, Files.size(Path.of("/dev/shm", name)), "rounded up to pages");
                block.memory().fill((byte) 1);
            }
            assertFalse(Files.exists(Path.of("/dev/shm", name)));
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void theQuotaRefusesAllocationsBeyondItWithAClearException() throws Exception {
        try (ShmArena arena = ShmArena.create(config().withQuota(10_000))) {
            ShmBlock a = arena.allocate(4096);
            ShmBlock b = arena.allocate(4096);
            ShmQuotaExceededException e = assertThrows(ShmQuotaExceededException.class, () -> arena.allocate(4096));
            assertEquals(8192, e.used());
            assertEquals(10_000, e.quota());
            assertTrue(e.getMessage().contains("quota of 10000 bytes"), e.getMessage());
            assertEquals(8192, arena.usedBytes(), "the refused allocation took nothing");
            a.close();
            arena.allocate(4096).close();
            assertEquals(8192, arena.usedBytes(), "a freed block is reused without counting again");
            b.close();
        }
    }

    @Test
    void namedObjectsHaveExactlyThePermissionsAsked() throws Exception {
        try (ShmArena owner = ShmArena.create(config()); ShmArena group = ShmArena.create(config().withPermissions(ShmPermissions.GROUP));
                ShmBlock a = owner.allocate(64); ShmBlock b = group.allocate(64)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/shm", owner.name() + ".ctl"))));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/shm", owner.name() + ".0"))));
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of("/dev/shm", group.name() + ".0"))));
            assertTrue(owner.name().startsWith("ipc4j.unit." + ProcessHandle.current().pid() + "."), owner.name());
        }
    }

    @Test
    void threadsAllocatingAndFreeingTogetherNeverShareABlock() throws Exception {
        int threads = 4;
        int rounds = 20_000;
        try (ShmArena arena = ShmArena.create(config().withLeakDetection(ShmArena.LeakDetection.OFF))) {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t + 1;
                done.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    long[] ids = new long[8];
                    for (int r = 0; r < rounds; r++) {
                        int k = r % ids.length;
                        if (ids[k] != 0) {
                            MemorySegment m = arena.memory(ids[k], 8);
                            if (m.get(ValueLayout.JAVA_LONG, 0) != me * 1_000_000L + k) {
                                throw new AssertionError("block overwritten by another thread");
                            }
                            arena.free(ids[k]);
                        }
                        ids[k] = arena.allocateId(64 << (r % 3));
                        arena.memory(ids[k], 8).set(ValueLayout.JAVA_LONG, 0, me * 1_000_000L + k);
                    }
                    for (long id : ids) {
                        arena.free(id);
                    }
                }, Thread::startVirtualThread));
            }
            start.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void threadsBorrowingAndClosingOneBlockTogetherKeepItsCountExact() throws Exception {
        try (ShmArena arena = ShmArena.create(config()); ShmArena other = ShmArena.attach(arena.name(), ShmArena.LeakDetection.OFF)) {
            ShmBlock block = arena.allocate(64);
            ShmHandle handle = arena.lend(block);
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    for (int r = 0; r < 20_000; r++) {
                        // this process's hold goes 0 -> 1 -> 0 over and over, from four threads at once
                        try (Lease lease = other.borrow(handle)) {
                            lease.memory().get(ValueLayout.JAVA_BYTE, 0);
                        }
                    }
                }, Thread::startVirtualThread));
            }
            start.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            assertEquals(64, arena.liveBytes(), "the owner still holds it");
            Lease last = other.borrow(handle);
            block.close();
            assertEquals(64, arena.liveBytes(), "one lease still holds it");
            last.close();
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void aBlockLivesUntilItsOwnerAndEveryLeaseHaveClosed() throws Exception {
        try (ShmArena arena = ShmArena.create(config()); ShmArena other = ShmArena.attach(arena.name())) {
            ShmBlock block = arena.allocate(1000);
            ShmHandle handle = arena.lend(block);
            Lease one = other.borrow(handle);
            Lease two = other.borrow(handle);
            block.close();
            block.close(); // idempotent
            one.close();
            assertEquals(1024, arena.liveBytes(), "a lease is still open");
            assertEquals(ShmHandle.fromBytes(handle.toBytes()), two.handle());
            two.close();
            assertEquals(0, arena.liveBytes());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> other.borrow(handle)).reason());
        }
    }

    @Test
    void theAllocationFreeFormsLendAndBorrowThroughSerializedBytes() throws Exception {
        try (ShmArena arena = ShmArena.create(config()); ShmArena other = ShmArena.attach(arena.name())) {
            long id = arena.allocateId(100);
            arena.memory(id, 100).set(ValueLayout.JAVA_LONG, 0, 77);
            MemorySegment frame = MemorySegment.ofArray(new byte[40]);
            arena.lend(id, 100, frame, 8);
            assertEquals(100, ShmHandle.readFrom(frame, 8).length());
            assertEquals(id, ShmHandle.readFrom(frame, 8).generation());
            long borrowed = other.borrow(frame, 8);
            assertEquals(id, borrowed);
            assertEquals(77, other.memory(borrowed, 100).get(ValueLayout.JAVA_LONG, 0));
            arena.free(id);
            assertEquals(128, arena.liveBytes(), "the borrower still holds it");
            assertThrows(IllegalArgumentException.class, () -> arena.lend(id, 100, frame, 8), "no longer held here");
            other.free(borrowed);
            assertEquals(0, arena.liveBytes());
            assertThrows(IllegalStateException.class, () -> other.free(borrowed), "freed twice");
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> other.borrow(frame, 8)).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> other.borrow(frame, 0)).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> other.borrow(frame, 9)).reason());
        }
    }

    @Test
    void closingAnAttachedArenaGivesBackWhatItStillHeld() throws Exception {
        try (ShmArena arena = ShmArena.create(config())) {
            ShmArena other = ShmArena.attach(arena.name());
            ShmBlock block = arena.allocate(64);
            Lease lease = other.borrow(arena.lend(block));
            other.allocate(64);
            block.close();
            assertEquals(128, arena.liveBytes());
            other.close();
            assertEquals(0, arena.liveBytes());
            lease.close(); // after its arena closed: a no-op, not an error
        }
    }

    @Test
    void forgedHandlesAreRefusedWithTheRightType() throws Exception {
        try (ShmArena arena = ShmArena.create(config()); ShmBlock block = arena.allocate(256)) {
            ShmHandle h = arena.lend(block);
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> ShmHandle.fromBytes(new byte[32])).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.MALFORMED, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> ShmHandle.fromBytes(new byte[5])).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.UNKNOWN_SEGMENT, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(7, h.offset(), h.length(), h.generation()))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.UNKNOWN_SEGMENT, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(Integer.MIN_VALUE, 0, 1, 0))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.OUT_OF_RANGE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, Long.MAX_VALUE, 1, h.generation()))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.OUT_OF_RANGE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, 60_000, 10_000, h.generation()))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.OUT_OF_RANGE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, h.offset(), 257, h.generation()))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.OUT_OF_RANGE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, h.offset(), 0, h.generation()))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, h.offset(), h.length(), h.generation() + 1))).reason());
            assertEquals(dev.ipc4j.shm.InvalidHandleException.Reason.STALE, assertThrows(dev.ipc4j.shm.InvalidHandleException.class, () -> arena.borrow(new ShmHandle(0, h.offset(), h.length(), 999L << 32 | 1))).reason());
            assertEquals(256, arena.liveBytes(), "failed borrows hold nothing");
        }
    }

    @Test
    void anUnclosedLeaseIsReportedWithWhereItWasTakenAndReleased() throws Exception {
        List<String> reports = new CopyOnWriteArrayList<>();
        LeakDetector.listener = reports::add;
        try (ShmArena arena = ShmArena.create(config()); ShmBlock block = arena.allocate(64)) {
            leakALease(arena, arena.lend(block));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (reports.isEmpty() && System.nanoTime() < deadline) {
                System.gc();
                Thread.onSpinWait();
            }
            assertEquals(1, reports.size(), "one leak reported");
            assertTrue(reports.getFirst().contains("Lease of arena " + arena.name()), reports.getFirst());
            assertTrue(reports.getFirst().contains("leakALease"), "names where it was taken: " + reports.getFirst());
            block.close();
            assertEquals(0, arena.liveBytes(), "the leaked hold was given back");
        } finally {
            LeakDetector.listener = null;
        }
    }

    private static void leakALease(ShmArena arena, ShmHandle handle) {
        Lease lease = arena.borrow(handle);
        assertEquals(64, lease.memory().byteSize());
    }

    @Test
    void processIdentitiesTellAReusedPidFromTheOriginal() throws Exception {
        ProcessIdentity self = ProcessIdentity.self();
        assertTrue(self.isAlive());
        assertEquals(self, ProcessIdentity.unpack(self.pack()).orElseThrow());
        assertFalse(new ProcessIdentity(self.pid(), self.startTime() + 1).isAlive(), "same pid, other start time");
        Process gone = new ProcessBuilder("true").inheritIO().start();
        gone.waitFor();
        assertFalse(ProcessIdentity.of(gone.pid()).isPresent());
        assertTrue(ProcessIdentity.unpack(0).isEmpty());
        assertTrue(ProcessIdentity.unpack(-5).isEmpty());
    }

    @Test
    void aHolderWhosePidNowBelongsToAnotherProcessIsReclaimedAsDead() throws Exception {
        try (ShmArena arena = ShmArena.create(config()); ShmArena other = ShmArena.attach(arena.name());
                SharedSegment control = SharedSegment.openNamed(arena.name() + ".ctl", false)) {
            ShmBlock block = arena.allocate(64);
            Lease lease = other.borrow(arena.lend(block));
            block.close();
            assertEquals(0, arena.reclaimDeadHolders(), "both slots name this live process");
            // Make the second slot record our pid with an earlier start time: the pid has been "reused" by us.
            ProcessIdentity self = ProcessIdentity.self();
            long reused = new ProcessIdentity(self.pid(), self.startTime() - 1).pack();
            long slot = ArenaLayout.SLOTS + 8;
            assertEquals(self.pack(), (long) ArenaLayout.LONG.getAcquire(control.memory(), slot));
            ArenaLayout.LONG.setRelease(control.memory(), slot, reused);
            assertEquals(1, arena.reclaimDeadHolders(), "a live pid with another start time is a dead holder");
            assertEquals(0, arena.liveBytes());
            assertEquals(0L, (long) ArenaLayout.LONG.getAcquire(control.memory(), slot), "its slot is free again");
            lease.close(); // the reclaimed hold is gone; closing it now is harmless
        }
    }

    @Test
    void contextsAreValidatedOnce() {
        assertThrows(IllegalArgumentException.class, () -> ShmArena.create(ShmArena.Config.of(null, "x")));
        assertThrows(IllegalArgumentException.class, () -> ShmArena.create(config().withApp("a.b")));
        assertThrows(IllegalArgumentException.class, () -> ShmArena.create(config().withSegmentSize(100_000)));
        assertThrows(IllegalArgumentException.class, () -> ShmArena.create(config().withQuota(0)));
        assertThrows(IllegalArgumentException.class, () -> ShmArena.attach("../etc/passwd"));
    }

    @Test
    void anonymousSegmentsAreSealedAndNamedOnesOpenReadOnly() throws Exception {
        try (SharedSegment anon = SharedSegment.anonymous("unit", 8192)) {
            assertEquals(8192, anon.size());
            assertTrue(anon.name().isEmpty());
            anon.memory().set(ValueLayout.JAVA_LONG, 0, 5);
            assertEquals(dev.ipc4j.os.MemFd.SEAL_SIZE, dev.ipc4j.os.MemFd.seals(anon.fd()) & dev.ipc4j.os.MemFd.SEAL_SIZE);
        }
        String name = "ipc4j.unit." + ProcessHandle.current().pid() + ".seg" + System.nanoTime();
        try (SharedSegment seg = SharedSegment.createNamed(name, 4096, ShmPermissions.OWNER);
                SharedSegment ro = SharedSegment.openNamed(name, true)) {
            seg.memory().set(ValueLayout.JAVA_INT, 0, 9);
            assertTrue(ro.isReadOnly());
            assertEquals(9, ro.memory().get(ValueLayout.JAVA_INT, 0));
            assertThrows(IllegalArgumentException.class, () -> ro.memory().set(ValueLayout.JAVA_INT, 0, 1));
            seg.unlink();
        }
        assertFalse(Files.exists(Path.of("/dev/shm", name)));
    }

    @Test
    void everyBlockIdIsDistinctWhileLive() throws Exception {
        try (ShmArena arena = ShmArena.create(config().withLeakDetection(ShmArena.LeakDetection.OFF))) {
            Set<Long> offsets = new HashSet<>();
            List<ShmBlock> blocks = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                ShmBlock b = arena.allocate(64 + (i % 5) * 64);
                blocks.add(b);
                assertTrue(offsets.add(b.memory().address()), "address handed out twice");
            }
            blocks.forEach(ShmBlock::close);
        }
    }
}
