package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.counters.ArenaField;
import dev.ipc4j.counters.ChannelField;
import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.testing.NoLeaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class LsCleanCommandTest {
    /** Every descriptor and /dev/shm object the test opened here is gone after it (the one leak check). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).execute(args);
        assertEquals(0, exit, out.toString());
        return out.toString();
    }

    @Test
    void lsShowsWhatRunsLivePerProcess(@TempDir Path shm, @TempDir Path run) throws Exception {
        String[] where = {"--shm-dir", shm.toString(), "--run-dir", run.toString()};
        long me = ProcessHandle.current().pid();
        try (CounterRecord session = CounterRecord.open("lslive", RecordType.SESSION, 1, "cache pid 1");
             CounterRecord channel = session.child(RecordType.CHANNEL, 1, "channel 1");
             CounterRecord arena = session.child(RecordType.ARENA, 0, "session arena")) {
            arena.add(ArenaField.BYTES_HELD, 4096);
            arena.raise(ArenaField.BYTES_HELD_HIGH_WATER, 8192);
            channel.add(ChannelField.MESSAGES_OUT, 1);
            String ls = run(concat("ls", where));
            assertTrue(ls.contains(String.format("%-8s %8d %8d %8d %12d %12d  %s", "client", me, 1, 1, 4096, 8192, "lslive")), ls);
        }
        assertFalse(run(concat("ls", where)).contains("lslive"), "gone with its last record");
    }

    @Test
    void lsShowsOwnersAndCleanRemovesOnlyTheDeadOnes(@TempDir Path shm, @TempDir Path run) throws Exception {
        Process gone = new ProcessBuilder("true").inheritIO().start();
        gone.waitFor();
        long dead = gone.pid();
        long me = ProcessHandle.current().pid();
        Path deadSegment = shm.resolve("ipc4j.cli." + dead + ".a.ctl");
        Path liveSegment = shm.resolve("ipc4j.cli." + me + ".a.ctl");
        Files.write(deadSegment, new byte[4096]);
        Files.write(liveSegment, new byte[100]);
        Files.setPosixFilePermissions(liveSegment, PosixFilePermissions.fromString("rw-rw----"));
        Path pidFile = run.resolve("ipc4j.cli." + dead + ".pid");
        Files.writeString(pidFile, Long.toString(dead));
        String[] where = {"--shm-dir", shm.toString(), "--run-dir", run.toString()};

        String ls = run(concat("ls", where));
        assertTrue(ls.contains("segment   " + String.format("%8d", dead) + " dead          4096  0644  " + deadSegment), ls);
        assertTrue(ls.contains("segment   " + String.format("%8d", me) + " alive          100  0660  " + liveSegment), ls);
        assertTrue(ls.contains("pid-file  " + String.format("%8d", dead) + " dead "), ls);

        String dry = run(concat("clean", where, "--dry-run"));
        assertTrue(dry.contains("would remove " + deadSegment), dry);
        assertTrue(dry.contains("would remove 2 objects"), dry);
        assertFalse(dry.contains(liveSegment.toString()), dry);
        assertTrue(Files.exists(deadSegment), "a dry run removes nothing");

        String clean = run(concat("clean", where));
        assertTrue(clean.contains("removed 2 objects"), clean);
        assertFalse(Files.exists(deadSegment));
        assertFalse(Files.exists(pidFile));
        assertTrue(Files.exists(liveSegment));
        assertTrue(run(concat("clean", where)).contains("removed 0 objects"));
    }

    @Test
    void helpListsLsAndClean() {
        String help = run("--help");
        assertTrue(help.contains("ls") && help.contains("clean"), help);
    }

    private static String[] concat(String first, String[] middle, String... last) {
        String[] all = new String[1 + middle.length + last.length];
        all[0] = first;
        System.arraycopy(middle, 0, all, 1, middle.length);
        System.arraycopy(last, 0, all, 1 + middle.length, last.length);
        return all;
    }
}
