package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Call semantics that need no second process: limits, closing, end of stream, trySend. */
class ChannelInProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration SHORT = Duration.ofSeconds(5);

    private static Channel.Config config(String mode) {
        return mode.equals("ring") ? Channel.Config.DEFAULT : Channel.Config.SOCKET_ONLY;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void aHandlerThatClosesItsPipeGetsItsMessageAndLaterCallsATypedError(String mode) throws Exception {
        Channel[] pair = Channel.pair(config(mode));
        try (Channel a = pair[0]; Channel b = pair[1]) {
            a.blobs().send(Arena.ofAuto().allocate(10));
            a.blobs().send(Arena.ofAuto().allocate(10));
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> b.blobs().close(), SHORT));
            assertFalse(b.blobs().isOpen());
            assertThrows(PipeClosedException.class, () -> b.blobs().receive(blob -> { }, SHORT));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void endSendingDeliversEverythingThenEndsAndForbidsMoreSends(String mode) throws Exception {
        Channel[] pair = Channel.pair(config(mode));
        try (Channel a = pair[0]; Channel b = pair[1]) {
            MemorySegment big = Arena.ofAuto().allocate(700 << 10); // fragmented through a ring, yet it fits
            big.fill((byte) 7);
            a.blobs().send(big);
            a.blobs().send(Arena.ofAuto().allocate(1));
            a.blobs().endSending();
            a.blobs().endSending(); // idempotent
            assertThrows(PipeClosedException.class, () -> a.blobs().send(Arena.ofAuto().allocate(1)));
            long[] sizes = new long[2];
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> {
                sizes[0] = blob.length();
                assertEquals(-1, blob.segment().mismatch(big));
            }, SHORT));
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> sizes[1] = blob.length(), SHORT));
            assertEquals(Receipt.ENDED, b.blobs().receive(blob -> { }, SHORT));
            assertEquals(700 << 10, sizes[0]);
            assertEquals(1, sizes[1]);
            // The other direction still works after a half-close.
            b.blobs().send(Arena.ofAuto().allocate(5));
            assertEquals(Receipt.MESSAGE, a.blobs().receive(blob -> assertEquals(5, blob.length()), SHORT));
        }
    }

    @Test
    void trySendSaysNoWhenTheRingIsFullAndYesAgainOnceItDrains() throws Exception {
        Channel.Config small = Channel.Config.DEFAULT.withRing(RingPipe.Config.DEFAULT.withCapacity(4096));
        Channel[] pair = Channel.pair(small);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            MemorySegment m = Arena.ofAuto().allocate(512);
            int sent = 0;
            while (a.blobs().trySend(m)) {
                sent++;
            }
            assertTrue(sent > 0 && sent < 4096 / 512 + 1, sent + " messages fit");
            assertFalse(a.blobs().trySend(m, Duration.ofMillis(50)), "still full after waiting");
            int received = 0;
            while (b.blobs().poll(blob -> { }, 100) > 0) {
                received++;
            }
            assertTrue(received >= 1);
            assertTrue(a.blobs().trySend(m));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void messagesOverTheLimitAreRefusedAtTheCall(String mode) throws Exception {
        Channel.Config limited = mode.equals("ring")
                ? Channel.Config.DEFAULT.withRing(RingPipe.Config.DEFAULT.withMaxMessageSize(1000))
                : Channel.Config.SOCKET_ONLY.withSocket(SocketPipe.Config.DEFAULT.withMaxMessageSize(1000));
        Channel[] pair = Channel.pair(limited);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            assertThrows(IllegalArgumentException.class, () -> a.blobs().send(Arena.ofAuto().allocate(1001)));
            a.blobs().send(Arena.ofAuto().allocate(1000));
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> assertEquals(1000, blob.length()), SHORT));
        }
    }

    @Test
    void aSocketOnlyChannelCarriesEverythingOverTheSocket() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.SOCKET_ONLY);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            assertFalse(a.hasRing());
            assertFalse(b.hasRing());
            assertTrue(a.blobs() == a.handles());
            assertEquals(ProcessHandle.current().pid(), a.peer().pid());
        }
    }

    @Test
    void aSleepThatFoundTheSocketNotReadableCountsAsALookSoNoReadIsMadeInVain() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.SOCKET_ONLY);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            BlobPipe pipe = b.blobs();
            assertEquals(0, pipe.poll(blob -> { }, 16));
            assertFalse(pipe.mayHaveInput());
            WaitSet waits = new WaitSet();
            long beforeSleep = System.nanoTime();
            assertTrue(pipe.prepareToSleep(waits));
            waits.await(TimeUnit.MILLISECONDS.toNanos(5)); // nothing comes: the sleep times out
            pipe.awoke();
            assertFalse(pipe.mayHaveInput());
            assertTrue(pipe.knownEmptyAt() - beforeSleep >= 0, "the sleep is this pipe's latest look: a driver's quiet-read interval starts there");

            long known = pipe.knownEmptyAt();
            waits.clear();
            assertTrue(pipe.prepareToSleep(waits));
            pipe.awoke(); // registered, but the driver did not sleep (another agent had work): nothing learned
            assertEquals(known, pipe.knownEmptyAt());

            a.blobs().send(Arena.ofAuto().allocate(8));
            waits.clear();
            assertTrue(pipe.prepareToSleep(waits));
            waits.await(TimeUnit.SECONDS.toNanos(30)); // ends at once: the socket is readable
            pipe.awoke();
            assertTrue(pipe.mayHaveInput());
            assertEquals(1, pipe.poll(blob -> assertEquals(8, blob.length()), 16));
        }
    }

    @Test
    void adoptRefusesADescriptorThatIsNoSocketAndClosesWhatItWasGiven() throws Exception {
        NativeHandle notASocket = NativeHandle.adopt(MemFd.create("ipc4j.test.adopt", 4096).release());
        int fd = notASocket.fd();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Channel.adopt(notASocket, Channel.Role.ACCEPTOR, Channel.Config.DEFAULT, null, null));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertFalse(notASocket.isOpen());
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + fd)), "closed on failure, as the contract says");
    }

    @Test
    void adoptRefusesAPidfdWithoutItsPeerAndClosesBoth() throws Exception {
        UnixSocket[] sockets = UnixSocket.pair();
        sockets[1].close();
        NativeHandle socket = NativeHandle.adopt(sockets[0].fd().release());
        NativeHandle pid = NativeHandle.adopt(PidFd.open(ProcessHandle.current().pid()).fd().release());
        int[] fds = {socket.fd(), pid.fd()};
        assertThrows(IllegalArgumentException.class, () -> Channel.adopt(socket, Channel.Role.CONNECTOR, Channel.Config.DEFAULT, null, pid));
        for (int fd : fds) {
            assertFalse(Files.exists(Path.of("/proc/self/fd/" + fd)), "descriptor " + fd + " closed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ring", "socket"})
    void theTwoEndsOfASocketPairAdoptedInTheirRolesMakeAChannel(String mode) throws Exception {
        UnixSocket[] sockets = UnixSocket.pair();
        NativeHandle near = NativeHandle.adopt(sockets[0].fd().release());
        NativeHandle far = NativeHandle.adopt(sockets[1].fd().release());
        CompletableFuture<Channel> acceptor = CompletableFuture.supplyAsync(
                () -> Channel.adopt(near, Channel.Role.ACCEPTOR, config(mode), null, null));
        try (Channel connector = Channel.adopt(far, Channel.Role.CONNECTOR, config(mode), null, null);
                Channel accepted = acceptor.get(30, TimeUnit.SECONDS)) {
            assertEquals(mode.equals("ring"), accepted.ring().isPresent());
            connector.blobs().send(Arena.ofAuto().allocateFrom("adopted"));
            long[] length = new long[1];
            assertEquals(Receipt.MESSAGE, accepted.blobs().receive(blob -> length[0] = blob.length(), SHORT));
            assertEquals(8, length[0]);
        }
    }
}
