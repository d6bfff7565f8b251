package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.testing.Eventually;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Receipt;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, defect 5: a session's shared memory cannot be shrunk under a reader by any process of the same user, the
 * session's own peer included. The server (a child process) lends a block of its session arena and one of its app
 * arena; this process, its client and a same-user process at once, borrows them, then attacks every memory object of
 * the server it can reach: by name in /dev/shm (there are none any more), and through /proc/PID/fd, which reopens the
 * very memfds the server holds. Truncating or growing any of them fails, the OWNED arenas' data cannot even be mapped
 * writable, and the leases, the server and the session go on unharmed. Before, the arenas were /dev/shm objects that
 * any same-user process could truncate, and a reader then met a SIGBUS (InternalError) or the JVM crashed.
 */
class SessionMemoryAcrossProcessesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final long WAIT = JvmChild.TIMEOUT.toSeconds();

    @TempDir
    Path runDir;

    @Test
    void noSameUserProcessCanShrinkOrWriteTheMemoryASessionLent() throws Exception {
        try (JvmChild server = JvmChild.start(SessionChild.class, "server", runDir.toString())) {
            long pid = Long.parseLong(server.expect("STARTED").split(" ")[0]);
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir), ClientSession.Config.DEFAULT.withInitChannels(1))) {
                byte[][] bytes = new byte[1][];
                assertEquals(Receipt.MESSAGE, session.channel(0).blobs().receive(b -> bytes[0] = b.toArray(), SessionChild.WAIT));
                MemorySegment handles = MemorySegment.ofArray(bytes[0]);
                try (Lease mine = session.borrow(SessionHandle.readFrom(handles, 0));
                     Lease app = session.borrow(SessionHandle.readFrom(handles, SessionHandle.BYTES))) {
                    assertEquals(List.of(), namedObjectsOf(pid), "a session's memory has no name anyone could open");

                    List<String> attacked = new ArrayList<>();
                    for (Path fd : memfdsOf(pid)) {
                        String label = Files.readSymbolicLink(fd).toString();
                        try (FileChannel c = FileChannel.open(fd, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                            long size = c.size();
                            assertThrows(IOException.class, () -> c.truncate(size / 2), "shrinking " + label);
                            assertThrows(IOException.class, () -> c.write(ByteBuffer.allocate(1), size + 4096), "growing " + label);
                            assertEquals(size, c.size(), label);
                            if (label.matches(".*\\.(s\\d+|app)\\.\\d+ \\(deleted\\)")) { // an OWNED arena's data segment
                                assertThrows(IOException.class, () -> c.map(FileChannel.MapMode.READ_WRITE, 0, 4096),
                                        "mapping " + label + " writable");
                            }
                        }
                        attacked.add(label);
                    }
                    assertTrue(attacked.stream().anyMatch(l -> l.contains(".s" + session.id() + ".0 ")), "the session arena's segment: " + attacked);
                    assertTrue(attacked.stream().anyMatch(l -> l.contains(".app.0 ")), "the app arena's segment: " + attacked);
                    assertTrue(attacked.stream().anyMatch(l -> l.contains(".app.ctl ")), "the app arena's control object: " + attacked);

                    // Everything lent still reads as written, and the session still carries messages.
                    for (long at = 0; at < mine.memory().byteSize(); at += 4096) {
                        assertEquals(0x33, mine.memory().get(ValueLayout.JAVA_BYTE, at), "session block at " + at);
                    }
                    assertEquals(0x5A, app.memory().get(ValueLayout.JAVA_BYTE, 4095));
                    Echo.drive(session.channel(0), 200, 11);
                }
            }
            server.send("EXIT");
            server.expect("STOPPED");
        }
        assertEquals(List.of(), namedObjectsOf(ProcessHandle.current().pid()));
    }

    /**
     * Issue 18: the session arenas cross at log-in, before any message. When the client (a child process) says it has
     * logged in it has mapped the server's session arena, and the server maps the client's within its reader's next
     * look (100 ms), though neither lent a block: a session's first message then maps nothing new, which kept 2-3 ms of
     * code run for the first time out of a fresh process's first round trip. Before, each mapped the other's when a
     * handle first named it.
     */
    @Test
    void theSessionArenasAreMappedAtLogInBeforeAnyMessage() throws Exception {
        long me = ProcessHandle.current().pid();
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild client = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
            long id = Long.parseLong(client.expect("READY"));
            long clientPid = client.pid();
            String serverArena = "ipc4j.cache." + me + ".s" + id + ".ctl";
            assertTrue(mapped(clientPid).stream().anyMatch(l -> l.contains(serverArena)),
                    "the client mapped " + serverArena + " by the end of its log-in: " + mapped(clientPid));
            String clientArena = "ipc4j.cache." + clientPid + ".c" + me + "-" + id + ".ctl";
            Eventually.await(() -> {
                try {
                    return mapped(me).stream().anyMatch(l -> l.contains(clientArena));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "the server maps " + clientArena, JvmChild.TIMEOUT);
            client.send("EXIT");
            client.expect("END ClosedHere false");
        }
    }

    /** The ipc4j memfd mappings of process {@code pid}, as /proc/PID/maps lists them. */
    private static List<String> mapped(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/maps")).stream().filter(l -> l.contains("/memfd:ipc4j.")).toList();
    }

    /** A peer that posts a record that is not one on its memory socket ends its own session, nobody else's. */
    @Test
    void garbageOnTheMemorySocketEndsThatSessionOnly() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild good = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
            List<CompletableFuture<SessionEnd>> ends = new CopyOnWriteArrayList<>();
            server.onSession(s -> {
                ends.add(s.ended());
                for (int i = 0; i < s.initChannelCount(); i++) {
                    Echo.serve(s.channel(i));
                }
                s.onChannel(request -> {
                    try {
                        Echo.serve(request.accept());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
            });
            good.expect("READY");
            try (JvmChild hostile = JvmChild.start(SessionChild.class, "forge", runDir.toString(), "memory-garbage")) {
                hostile.expect("CONNECTED");
                hostile.expect("AFTER GARBAGE");
            }
            SessionEnd end = ends.get(1).get(WAIT, TimeUnit.SECONDS);
            assertInstanceOf(SessionEnd.ProtocolViolation.class, end);
            assertTrue(end.toString().contains("shared-memory record"), end.toString());
            good.send("OPEN");
            good.expect("OPENED");
            assertFalse(ends.getFirst().isDone());
            good.send("EXIT");
            good.expect("END ClosedHere false");
        }
    }

    /**
     * A peer that stuffs its memory socket with a thousand descriptors for segments it never lends: the server keeps at
     * most {@link MemorySocket#KEPT} of them at any time, a legitimate client's round trips go on meanwhile, and the
     * server's descriptors return to their baseline once that session ends.
     */
    @Test
    void descriptorStuffingOnTheMemorySocketIsBounded() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir));
             JvmChild good = JvmChild.start(SessionChild.class, "hold", runDir.toString())) {
            List<ServerSession> sessions = new CopyOnWriteArrayList<>();
            server.onSession(sessions::add);
            good.expect("READY"); // the good client echoes on its init channel
            Echo.drive(sessions.getFirst().channel(0), 100, 3);
            long baseline = NoLeaks.descriptorCount();
            java.util.Set<String> before = NoLeaks.descriptors();
            try (JvmChild hostile = JvmChild.start(SessionChild.class, "forge", runDir.toString(), "memory-stuffing")) {
                hostile.expect("CONNECTED");
                assertEquals("1000", hostile.expect("STUFFED"));
                long during = NoLeaks.descriptorCount() - baseline;
                // The hostile session's own channel, pidfd and sockets, plus at most KEPT descriptors it posted.
                assertTrue(during <= MemorySocket.KEPT + 16, during + " descriptors more than before the stuffing");
                Echo.drive(sessions.getFirst().channel(0), 200, 5); // a legitimate session's round trips go on
                hostile.send("EXIT");
            }
            assertInstanceOf(SessionEnd.class, sessions.get(1).ended().get(WAIT, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT);
            while (NoLeaks.descriptorCount() > baseline && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            java.util.Set<String> left = NoLeaks.descriptors();
            left.removeAll(before);
            assertEquals(baseline, NoLeaks.descriptorCount(), "the server's descriptors after the stuffing session ended: more " + left);
            good.send("EXIT");
            good.expect("END ClosedHere false");
        }
    }


    /** Names in /dev/shm that a process of the cache app made. */
    private static List<Path> namedObjectsOf(long pid) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("ipc4j.cache." + pid + ".")).toList();
        }
    }

    /** The server's descriptors of ipc4j memfds, as /proc/PID/fd links any same-user process may open. */
    private static List<Path> memfdsOf(long pid) throws IOException {
        List<Path> found = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("/memfd:ipc4j.")) {
                        found.add(fd);
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed between the listing and the look
                }
            }
        }
        assertTrue(!found.isEmpty(), "the server holds its memory as memfds");
        return found;
    }
}
