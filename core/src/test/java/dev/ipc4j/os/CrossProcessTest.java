package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Linux layer between two real JVM processes. */
class CrossProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static String uniqueName() {
        return "ipc4j.test." + ProcessHandle.current().pid() + "." + System.nanoTime();
    }

    private static UnixSocket accept(UnixServerSocket server) throws ErrnoException {
        return server.accept(JvmChild.TIMEOUT).orElseThrow(() -> new AssertionError("the child did not connect"));
    }

    @Test
    void memfdsPassedWithScmRightsAreMappedWrittenAndSeenByBothProcesses() throws Exception {
        String name = uniqueName();
        int count = 3;
        List<Fd> memfds = new ArrayList<>();
        List<Mapping> mappings = new ArrayList<>();
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.ofAbstract(name), 0600, 1);
                JvmChild child = JvmChild.start(OsChild.class, "memfd", name);
                UnixSocket peer = accept(server);
                Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < count; i++) {
                Fd fd = MemFd.create("test-" + i, OsChild.SEGMENT);
                memfds.add(fd);
                MemFd.seal(fd, MemFd.SEAL_SIZE);
                Mapping m = Mapping.map(fd, OsChild.SEGMENT, false);
                mappings.add(m);
                m.segment().set(ValueLayout.JAVA_LONG, OsChild.PARENT_WRITES, 1000 + i);
            }
            MemorySegment one = arena.allocate(1);
            peer.sendFully(one, memfds.toArray(Fd[]::new));
            for (Fd fd : memfds) {
                fd.close(); // ours stay valid through the mappings; the child has its own descriptors
            }

            assertEquals("1 " + count, child.expect("RECEIVED"));
            assertEquals("1000 1001 1002", child.expect("SEEN"));
            assertEquals(1, peer.receive(one, new ArrayList<>()));
            for (int i = 0; i < count; i++) {
                assertEquals(child.pid() * 100 + i, mappings.get(i).segment().get(ValueLayout.JAVA_LONG, OsChild.CHILD_WRITES),
                        "the child's write into memfd " + i + " is visible here");
                mappings.get(i).segment().set(ValueLayout.JAVA_LONG, OsChild.PARENT_WRITES_LATER, 2000 + i);
            }
            peer.sendFully(one);
            assertEquals("2000 2001 2002", child.expect("LATER"));
            assertEquals(0, child.awaitExit());
        } finally {
            mappings.forEach(Mapping::close);
        }
    }

    @Test
    void futexWaiterInOneProcessIsWokenFromTheOther() throws Exception {
        String name = uniqueName();
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.ofAbstract(name), 0600, 1);
                JvmChild child = JvmChild.start(OsChild.class, "futex", name);
                UnixSocket peer = accept(server);
                Fd fd = MemFd.create("futex", OsChild.SEGMENT);
                Arena arena = Arena.ofConfined()) {
            MemFd.seal(fd, MemFd.SEAL_SIZE);
            try (Mapping m = Mapping.map(fd, OsChild.SEGMENT, false)) {
                peer.sendFully(arena.allocate(1), fd);
                child.expect("PARKING");
                // wake() counts the waiters it woke: 1 proves a thread parked in the other process was woken by us.
                long deadline = System.nanoTime() + JvmChild.TIMEOUT.toNanos();
                int woken = 0;
                while (woken == 0 && System.nanoTime() < deadline) {
                    woken = Futex.wake(m.segment(), OsChild.FUTEX_CHILD_WAITS, 1);
                }
                assertEquals(1, woken);
                assertEquals("WOKEN", child.expect("WAIT"));

                child.send("PARK");
                Futex.Wait result = Futex.await(m.segment(), OsChild.FUTEX_PARENT_WAITS, 0, JvmChild.TIMEOUT.toNanos());
                assertEquals(Futex.Wait.WOKEN, result);
                assertEquals("1", child.expect("WOKE"));
            }
        }
    }

    @Test
    void peerCredentialsAreTheKernelsViewOfBothProcesses() throws Exception {
        String name = uniqueName();
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.ofAbstract(name), 0600, 1);
                JvmChild child = JvmChild.start(OsChild.class, "cred", name);
                UnixSocket peer = accept(server)) {
            PeerCredentials self = PeerCredentials.self();
            String[] reported = child.expect("CRED").split(" ");
            // What the child's kernel says about us, and what the child says about itself.
            assertEquals(new PeerCredentials(self.pid(), self.uid(), self.gid()),
                    new PeerCredentials(Long.parseLong(reported[0]), Integer.parseInt(reported[1]), Integer.parseInt(reported[2])));
            PeerCredentials childSays = new PeerCredentials(Long.parseLong(reported[4]), Integer.parseInt(reported[5]), Integer.parseInt(reported[6]));
            assertEquals(new PeerCredentials(child.pid(), self.uid(), self.gid()), peer.peerCredentials());
            assertEquals(childSays, peer.peerCredentials());
        }
    }

    @Test
    void pidfdReportsAChildKilledWithSigkillWithinOneSecond() throws Exception {
        String name = uniqueName();
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.ofAbstract(name), 0600, 1);
                JvmChild child = JvmChild.start(OsChild.class, "cred", name);
                UnixSocket peer = accept(server);
                PidFd byPid = PidFd.open(child.pid());
                PidFd fromSocket = peer.peerPidFd()) {
            child.expect("CRED");
            assertEquals(child.pid(), fromSocket.pid());
            assertFalse(byPid.hasExited());
            assertFalse(fromSocket.hasExited());

            long killedAt = System.nanoTime();
            child.kill();
            assertTrue(byPid.awaitExit(Duration.ofSeconds(1)), "pidfd_open's handle saw no exit within 1 s of SIGKILL");
            long noticedAfter = System.nanoTime() - killedAt;
            assertTrue(fromSocket.awaitExit(Duration.ofSeconds(1)), "SO_PEERPIDFD's handle saw no exit within 1 s");
            assertTrue(noticedAfter < TimeUnit.SECONDS.toNanos(1), "noticed after " + noticedAfter / 1_000_000 + " ms");
            // The socket tells too: end of stream once the peer is gone.
            assertEquals(0, peer.receive(Arena.ofAuto().allocate(1), new ArrayList<>()));
        }
    }
}
