package dev.ipc4j.shm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Finding and removing what dead processes left, by the names' owner pids. */
class ShmSweeperTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").inheritIO().start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void scanTellsDeadOwnersFromLiveOnesAndSweepRemovesOnlyTheDeadOnes(@TempDir Path shm, @TempDir Path run) throws Exception {
        long dead = deadPid();
        long me = ProcessHandle.current().pid();
        Files.writeString(shm.resolve("ipc4j.app." + dead + ".a.0"), "x");
        Files.writeString(shm.resolve("ipc4j.app." + me + ".a.0"), "xy");
        Files.writeString(shm.resolve("other.app." + dead), "not ours");
        Files.writeString(run.resolve("ipc4j.app.pid"), Long.toString(dead)); // owner in the content
        Files.writeString(run.resolve("ipc4j.web." + me + ".pid"), "");
        ShmSweeper.Places places = new ShmSweeper.Places(shm, run);

        List<ShmSweeper.Found> found = ShmSweeper.scan(places).stream().filter(f -> f.path() != null).toList();
        assertEquals(4, found.size(), found.toString());
        ShmSweeper.Found deadSegment = found.stream().filter(f -> f.name().equals("ipc4j.app." + dead + ".a.0")).findFirst().orElseThrow();
        assertEquals(ShmSweeper.ObjectType.SEGMENT, deadSegment.type());
        assertEquals(dead, deadSegment.ownerPid());
        assertFalse(deadSegment.ownerAlive());
        assertEquals(1, deadSegment.size());
        assertTrue(found.stream().anyMatch(f -> f.type() == ShmSweeper.ObjectType.PID_FILE && f.ownerPid() == dead && !f.ownerAlive()));
        assertTrue(found.stream().anyMatch(f -> f.type() == ShmSweeper.ObjectType.PID_FILE && f.ownerPid() == me && f.ownerAlive()));

        assertEquals(2, ShmSweeper.sweep(places, true).size(), "dry run names both dead objects");
        assertTrue(Files.exists(shm.resolve("ipc4j.app." + dead + ".a.0")), "and removes nothing");
        assertEquals(2, ShmSweeper.sweep(places, false).size());
        assertFalse(Files.exists(shm.resolve("ipc4j.app." + dead + ".a.0")));
        assertFalse(Files.exists(run.resolve("ipc4j.app.pid")));
        assertTrue(Files.exists(shm.resolve("ipc4j.app." + me + ".a.0")), "a live owner's object stays");
        assertTrue(Files.exists(shm.resolve("other.app." + dead)), "a foreign object stays");
        assertTrue(Files.exists(run.resolve("ipc4j.web." + me + ".pid")));
    }

    @Test
    void aKilledProcesssArenaIsRemovedFromDevShmByTheSweeperAtStart(@TempDir Path run) throws Exception {
        try (JvmChild child = JvmChild.start(ShmChild.class, "create", "-")) {
            String name = child.expect("CREATED");
            assertTrue(Files.exists(Path.of("/dev/shm", name + ".ctl")));
            ShmSweeper.Places places = new ShmSweeper.Places(ShmSweeper.SHM_DIRECTORY, run);
            assertTrue(ShmSweeper.sweep(places, false).stream().noneMatch(f -> f.ownerPid() == child.pid()),
                    "nothing of a live process is removed");
            child.kill();
            child.awaitExit();
            try (ShmSweeper sweeper = ShmSweeper.start(places, Duration.ofHours(1))) {
                assertFalse(Files.exists(Path.of("/dev/shm", name + ".ctl")));
                assertFalse(Files.exists(Path.of("/dev/shm", name + ".0")));
            }
        }
    }

    @Test
    void aRunningSweeperReclaimsTheHoldsOfDeadProcessesInTheArenasItWatches(@TempDir Path shm, @TempDir Path run) throws Exception {
        try (ShmArena arena = ShmArena.create(ShmArena.Config.of("sweep", "w").withSharing(ShmArena.Sharing.BY_NAME).withSegmentSize(64 << 10));
                JvmChild child = JvmChild.start(ShmChild.class, "hold", arena.name());
                ShmSweeper sweeper = ShmSweeper.start(new ShmSweeper.Places(shm, run), Duration.ofMillis(50))) {
            sweeper.watch(arena);
            child.expect("ATTACHED");
            child.send("0");
            child.expect("HOLDING");
            assertEquals(10 * 128, arena.liveBytes());
            child.kill();
            child.awaitExit();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (arena.liveBytes() != 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(0, arena.liveBytes(), "the sweeper reclaimed the dead child's blocks");
        }
    }
}
