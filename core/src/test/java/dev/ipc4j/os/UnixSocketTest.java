package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path dir;

    @Test
    void manyDescriptorsRideOnOneMessageAndArriveUsable() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        List<Fd> sent = new ArrayList<>();
        List<Fd> received = new ArrayList<>();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < UnixSocket.MAX_FDS; i++) {
                Fd fd = MemFd.create("many-" + i, 4096);
                sent.add(fd);
                try (Mapping m = Mapping.map(fd, 4096, false)) {
                    m.segment().set(ValueLayout.JAVA_INT, 0, i);
                }
            }
            a.sendFully(arena.allocateFrom("hello"), sent.toArray(Fd[]::new));
            MemorySegment buffer = arena.allocate(64);
            long n = b.receive(buffer, received);
            assertEquals(6, n);
            assertEquals("hello", buffer.getString(0));
            assertEquals(UnixSocket.MAX_FDS, received.size());
            for (int i = 0; i < received.size(); i++) {
                try (Mapping m = Mapping.map(received.get(i), 4096, true)) {
                    assertEquals(i, m.segment().get(ValueLayout.JAVA_INT, 0));
                }
            }
            assertThrows(IllegalArgumentException.class, () -> a.send(arena.allocate(1), new Fd[UnixSocket.MAX_FDS + 1]));
            assertThrows(IllegalArgumentException.class, () -> a.send(MemorySegment.ofArray(new byte[1])));
        } finally {
            for (Fd fd : sent) {
                fd.close();
            }
            for (Fd fd : received) {
                fd.close();
            }
        }
    }

    @Test
    void halfCloseDeliversEverythingThenEndOfStreamAndTheOtherWayStillWorks() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; UnixSocket b = pair[1]; Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(100_000);
            data.fill((byte) 9);
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    a.sendFully(data);
                    a.shutdownOutput();
                } catch (ErrnoException e) {
                    throw new IllegalStateException(e);
                }
            });
            MemorySegment in = arena.allocate(100_000);
            long total = 0;
            for (long n; (n = b.receive(in.asSlice(total), new ArrayList<>())) > 0; ) {
                total += n;
            }
            sender.get(30, TimeUnit.SECONDS);
            assertEquals(100_000, total);
            assertEquals(-1, in.mismatch(data));
            b.sendFully(arena.allocateFrom("reply"));
            MemorySegment reply = arena.allocate(16);
            assertEquals(6, a.receive(reply, new ArrayList<>()));
        }
    }

    @Test
    void aClosedPeerGivesEndOfStreamThenBrokenPipe() throws Exception {
        UnixSocket[] pair = UnixSocket.pair();
        try (UnixSocket a = pair[0]; Arena arena = Arena.ofConfined()) {
            pair[1].close();
            assertEquals(0, a.receive(arena.allocate(8), new ArrayList<>()));
            ErrnoException e = assertThrows(ErrnoException.class, () -> a.sendFully(arena.allocate(8)));
            assertEquals(Errno.EPIPE, e.errno());
        }
    }

    /**
     * The path appears only when the socket listens, with its final mode: a client that sees the file connects at once
     * (it got ECONNREFUSED between bind and listen before), and the socket never exists with the umask's mode. A path
     * that exists already is EADDRINUSE, as bind says; nothing temporary stays behind either way.
     */
    @Test
    void theSocketPathAppearsListeningAndWithItsModeOrNotAtAll() throws Exception {
        Path path = dir.resolve("appears.sock");
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.of(path), 0600, 4)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            try (UnixSocket client = UnixSocket.connect(UnixAddress.of(path)); UnixSocket accepted = server.accept()) {
                assertTrue(accepted.peerCredentials().pid() > 0);
            }
            ErrnoException inUse = assertThrows(ErrnoException.class, () -> UnixServerSocket.listen(UnixAddress.of(path), 0600, 4));
            assertEquals(Errno.EADDRINUSE, inUse.errno());
        }
        try (var left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "the socket and every temporary name are gone");
        }
    }

    @Test
    void closingWakesABlockedAcceptAndReceive() throws Exception {
        UnixServerSocket server = UnixServerSocket.listen(UnixAddress.of(dir.resolve("wake.sock")), 0600, 4);
        CompletableFuture<Object> accepting = CompletableFuture.supplyAsync(() -> {
            try {
                return server.accept();
            } catch (ErrnoException e) {
                return e;
            }
        });
        UnixSocket[] pair = UnixSocket.pair();
        CompletableFuture<Long> receiving = CompletableFuture.supplyAsync(() -> {
            try {
                return pair[0].receive(Arena.ofAuto().allocate(8), new ArrayList<>());
            } catch (ErrnoException e) {
                return -1L;
            }
        });
        try (UnixSocket other = pair[1]) {
            assertTrue(server.accept(Duration.ofMillis(10)).isEmpty(), "nobody connected");
            server.close();
            assertTrue(accepting.get(30, TimeUnit.SECONDS) instanceof ErrnoException);
            pair[0].close();
            assertTrue(receiving.get(30, TimeUnit.SECONDS) <= 0);
        }
    }

    @Test
    void socketFilesGetTheModeAskedFor() throws Exception {
        for (int mode : new int[] {0600, 0660, 0666}) {
            Path path = dir.resolve("mode" + Integer.toOctalString(mode) + ".sock");
            try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.of(path), mode, 1);
                    UnixSocket client = UnixSocket.connect(server.address());
                    UnixSocket accepted = server.accept()) {
                assertEquals(UnixServerSocket.permissionString(mode), PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
                assertEquals(PeerCredentials.self(), accepted.peerCredentials());
                assertEquals(PeerCredentials.self(), client.peerCredentials());
            }
        }
    }
}
