package dev.ipc4j.os;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The other process of the os tests; {@code args[0]} names the scenario, {@code args[1]} the abstract socket name. */
public final class OsChild {
    static final long SEGMENT = 64 * 1024;
    static final long PARENT_WRITES = 0;
    static final long CHILD_WRITES = 4096;
    static final long PARENT_WRITES_LATER = 8192;
    static final long FUTEX_CHILD_WAITS = 0;
    static final long FUTEX_PARENT_WAITS = 64;

    private OsChild() {}

    public static void main(String[] args) throws Exception {
        try (UnixSocket socket = UnixSocket.connect(UnixAddress.ofAbstract(args[1])); Arena arena = Arena.ofConfined()) {
            switch (args[0]) {
                case "memfd" -> memfd(socket, arena);
                case "futex" -> futex(socket, arena);
                case "cred" -> cred(socket);
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    /** Receives memfds with one message, checks each is sealed and shows the parent's data, writes back. */
    private static void memfd(UnixSocket socket, Arena arena) throws Exception {
        MemorySegment one = arena.allocate(1);
        List<Fd> fds = new ArrayList<>();
        long got = socket.receive(one, fds);
        say("RECEIVED " + got + " " + fds.size());
        List<Mapping> mappings = new ArrayList<>();
        for (Fd fd : fds) {
            MemFd.requireSealedSize(fd);
            mappings.add(Mapping.map(fd, SEGMENT, false));
            fd.close(); // the mapping keeps the memory alive
        }
        StringBuilder seen = new StringBuilder();
        for (int i = 0; i < mappings.size(); i++) {
            MemorySegment m = mappings.get(i).segment();
            seen.append(m.get(ValueLayout.JAVA_LONG, PARENT_WRITES)).append(' ');
            m.set(ValueLayout.JAVA_LONG, CHILD_WRITES, ProcessHandle.current().pid() * 100 + i);
        }
        say("SEEN " + seen.toString().trim());
        socket.sendFully(one); // "written": the parent may look now
        socket.receive(one, fds); // the parent wrote again
        StringBuilder later = new StringBuilder();
        for (Mapping m : mappings) {
            later.append(m.segment().get(ValueLayout.JAVA_LONG, PARENT_WRITES_LATER)).append(' ');
            m.close();
        }
        say("LATER " + later.toString().trim());
    }

    /** Parks on a futex word until the parent wakes it; then wakes the parent parked on another word. */
    private static void futex(UnixSocket socket, Arena arena) throws Exception {
        List<Fd> fds = new ArrayList<>();
        socket.receive(arena.allocate(1), fds);
        try (Fd fd = fds.getFirst(); Mapping m = Mapping.map(fd, SEGMENT, false)) {
            say("PARKING");
            Futex.Wait result = Futex.await(m.segment(), FUTEX_CHILD_WAITS, 0, TimeUnit.SECONDS.toNanos(60));
            say("WAIT " + result);
            hear(); // the parent is about to park
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int woken = 0;
            while (woken == 0 && System.nanoTime() < deadline) {
                woken = Futex.wake(m.segment(), FUTEX_PARENT_WAITS, 1);
            }
            say("WOKE " + woken);
        }
    }

    /** Reports the server's credentials as the kernel gives them, then idles until killed. */
    private static void cred(UnixSocket socket) throws Exception {
        PeerCredentials server = socket.peerCredentials();
        PeerCredentials self = PeerCredentials.self();
        say("CRED " + server.pid() + " " + server.uid() + " " + server.gid() + " SELF " + self.pid() + " " + self.uid() + " " + self.gid());
        hear();
    }
}
