package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.testing.RecordingThreadFactory;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class KeepAliveAndDeliveryTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path dir;

    /** A peer that hangs (stopped, not dead: no EOF, no pidfd exit) is found out by the idle timeout. */
    @Test
    void aHungPeerIsDeclaredGoneAfterTheIdleTimeout() throws Exception {
        Path path = dir.resolve("hang.sock");
        Channel.Config config = Channel.Config.SOCKET_ONLY.withSocket(
                SocketPipe.Config.DEFAULT.withKeepAlive(Duration.ofMillis(100), Duration.ofMillis(600)));
        try (Channel.Listener listener = Channel.listen(path, 0600, config);
                JvmChild child = JvmChild.start(TransportChild.class, "idle", path.toString(), "socket-ping");
                Channel channel = listener.accept(JvmChild.TIMEOUT)) {
            child.expect("CONNECTED");
            // Alive and pinging every 100 ms: twice the idle timeout passes without a failure.
            assertEquals(Receipt.TIMED_OUT, channel.blobs().receive(blob -> { }, Duration.ofMillis(1200)));
            // SIGSTOP: the process lives (no EOF, no pidfd exit) but sends nothing, as a hung peer would.
            child.stop();
            long start = System.nanoTime();
            PeerGoneException e = assertThrows(PeerGoneException.class,
                    () -> channel.blobs().receive(blob -> { }, JvmChild.TIMEOUT));
            long after = System.nanoTime() - start;
            assertTrue(e.getMessage().contains("keep-alive"), e.getMessage());
            assertTrue(after < TimeUnit.SECONDS.toNanos(5), "declared gone after " + after / 1_000_000 + " ms");
            child.resume();
        }
    }

    /** Both sides ping: a quiet but live connection is not mistaken for a dead one. */
    @Test
    void pingsKeepAQuietConnectionAlive() throws Exception {
        SocketPipe.Config alive = SocketPipe.Config.DEFAULT.withKeepAlive(Duration.ofMillis(50), Duration.ofMillis(400));
        Channel[] pair = Channel.pair(Channel.Config.SOCKET_ONLY.withSocket(alive));
        try (Channel a = pair[0]; Channel b = pair[1]) {
            // Five idle timeouts of silence but for pings: the receive must time out, not fail.
            assertEquals(Receipt.TIMED_OUT, a.blobs().receive(blob -> { }, Duration.ofSeconds(2)));
            assertTrue(a.blobs().isOpen() && b.blobs().isOpen());
        }
    }

    @Test
    void deliverToHandsCopiesToTheExecutorInOrderAndCompletesAtTheEnd() throws Exception {
        ExecutorService serial = Executors.newSingleThreadExecutor();
        Channel[] pair = Channel.pair(Channel.Config.DEFAULT);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            List<String> got = new CopyOnWriteArrayList<>();
            var done = b.blobs().deliverTo(blob -> got.add(new String(blob.toArray(), StandardCharsets.UTF_8)), serial);
            for (int i = 0; i < 100; i++) {
                a.blobs().send(java.lang.foreign.MemorySegment.ofArray(("m" + i).getBytes(StandardCharsets.UTF_8)));
            }
            a.blobs().endSending();
            done.get(30, TimeUnit.SECONDS);
            serial.shutdown();
            assertTrue(serial.awaitTermination(30, TimeUnit.SECONDS));
            assertEquals(100, got.size());
            for (int i = 0; i < 100; i++) {
                assertEquals("m" + i, got.get(i));
            }
        } finally {
            serial.shutdownNow();
        }
    }

    @Test
    void deliverToFailsWithTheErrorThatStoppedThePipe() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.SOCKET_ONLY);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            var done = b.blobs().deliverTo(blob -> { }, Runnable::run);
            ((SocketPipe) a.handles()).socket().close(); // the connection drops without END, as when a process dies
            ExecutionException e = assertThrows(ExecutionException.class, () -> done.get(30, TimeUnit.SECONDS));
            assertInstanceOf(PeerGoneException.class, e.getCause());
        }
    }

    /**
     * A socket pipe's own threads come from its config's thread factory: the one that drains a send queue the socket
     * could not take at once, and deliverTo's receiver (from the pipe's factory, or the one given). Before, each was a
     * daemon platform thread of the pipe's making.
     */
    @Test
    void aSocketPipesOwnThreadsComeFromItsThreadFactory() throws Exception {
        RecordingThreadFactory factory = new RecordingThreadFactory();
        Channel[] pair = Channel.pair(Channel.Config.SOCKET_ONLY.withSocket(SocketPipe.Config.DEFAULT.withThreadFactory(factory)));
        try (Channel a = pair[0]; Channel b = pair[1]) {
            int count = 12;
            MemorySegment big = MemorySegment.ofArray(new byte[1 << 20]); // 12 MiB unread: more than the socket takes
            for (int i = 0; i < count; i++) {
                a.blobs().send(big);
            }
            assertTrue(factory.names().stream().anyMatch(n -> n.startsWith("ipc4j-flush-")), "no flusher from the factory: "
                    + factory.names());
            List<Integer> sizes = new CopyOnWriteArrayList<>();
            var done = b.blobs().deliverTo(blob -> sizes.add(blob.length()), Runnable::run);
            assertTrue(factory.names().stream().anyMatch(n -> n.startsWith("ipc4j-deliver-")), "no receiver from the factory: "
                    + factory.names());
            a.blobs().endSending();
            done.get(30, TimeUnit.SECONDS);
            assertEquals(count, sizes.size());
            assertTrue(sizes.stream().allMatch(n -> n == 1 << 20), sizes.toString());
        }
        RecordingThreadFactory given = new RecordingThreadFactory();
        Channel[] plain = Channel.pair(Channel.Config.DEFAULT);
        try (Channel a = plain[0]; Channel b = plain[1]) {
            var done = b.blobs().deliverTo(blob -> { }, Runnable::run, given);
            a.blobs().endSending();
            done.get(30, TimeUnit.SECONDS);
            assertEquals(1, given.made().size(), "a ring pipe's receiver comes from the factory given: " + given.names());
        }
    }
}
