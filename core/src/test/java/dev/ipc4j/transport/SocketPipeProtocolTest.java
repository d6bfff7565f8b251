package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A peer that breaks the socket pipe's wire format gets a typed error and a closed pipe, never a crash, a hang or an
 * untyped exception. The hostile peer is a raw socket the test writes bytes into.
 */
class SocketPipeProtocolTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration SHORT = Duration.ofSeconds(5);
    private static final SocketPipe.Config CONFIG = SocketPipe.Config.DEFAULT.withMaxMessageSize(1 << 20);

    private static TransportException receiveFails(HostilePeer peer) throws Exception {
        SocketPipe pipe = SocketPipe.open(peer.ours, CONFIG);
        try {
            return assertThrows(TransportException.class, () -> {
                while (pipe.receive(blob -> { }, SHORT) == Receipt.MESSAGE) {
                    // keep reading until the bad part
                }
            });
        } finally {
            assertFalse(pipe.isOpen(), "a broken pipe does not stay open");
            pipe.close();
        }
    }

    @Test
    void aPeerThatIsNotIpc4jOrSpeaksAnotherVersionIsRefusedAtHello() throws Exception {
        try (HostilePeer peer = new HostilePeer(); Arena arena = Arena.ofConfined()) {
            peer.write(HostilePeer.hello(arena, 0x12345678, 1, 1, 1 << 20));
            ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
            assertTrue(e.getMessage().contains("not an ipc4j pipe"), e.getMessage());
        }
        try (HostilePeer peer = new HostilePeer(); Arena arena = Arena.ofConfined()) {
            peer.write(HostilePeer.hello(arena, Frame.HELLO_MAGIC, 7, 9, 1 << 20));
            ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
            assertTrue(e.getMessage().contains("versions 7 to 9"), e.getMessage());
        }
        try (HostilePeer peer = new HostilePeer(); Arena arena = Arena.ofConfined()) {
            // Version 1 woke ring readers by futex: its rings cannot work with ours, so it is refused by name.
            peer.write(HostilePeer.hello(arena, Frame.HELLO_MAGIC, 1, 1, 1 << 20));
            ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
            assertTrue(e.getMessage().contains("versions 1 to 1; this side speaks 3"), e.getMessage());
        }
        try (HostilePeer peer = new HostilePeer(); Arena arena = Arena.ofConfined()) {
            // Version 2 committed ring records by TAIL: our reader would wait forever on its header words.
            peer.write(HostilePeer.hello(arena, Frame.HELLO_MAGIC, 2, 2, 1 << 20));
            ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
            assertTrue(e.getMessage().contains("versions 2 to 2; this side speaks 3"), e.getMessage());
        }
        try (HostilePeer peer = new HostilePeer()) {
            peer.frame(0, Frame.DATA, 0, 0);
            ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
            assertTrue(e.getMessage().contains("must be HELLO"), e.getMessage());
        }
    }

    @Test
    void aSilentPeerTimesOutTheHandshake() throws Exception {
        try (HostilePeer peer = new HostilePeer()) {
            SocketPipe.Config quick = SocketPipe.Config.DEFAULT.withMaxMessageSize(1 << 20).withSendQueueBytes(1 << 20).withHandshakeTimeout(Duration.ofMillis(200));
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> SocketPipe.open(peer.ours, quick));
            assertTrue(e.getMessage().contains("no HELLO"), e.getMessage());
        }
    }

    @Test
    void aPeerThatEndsBeforeItsHelloIsGoneAtOnceNotAtTheHandshakeDeadline() throws Exception {
        try (HostilePeer peer = new HostilePeer().end()) {
            SocketPipe.Config patient = SocketPipe.Config.DEFAULT.withMaxMessageSize(1 << 20).withSendQueueBytes(1 << 20).withHandshakeTimeout(Duration.ofSeconds(30));
            long start = System.nanoTime();
            PeerGoneException e = assertThrows(PeerGoneException.class, () -> SocketPipe.open(peer.ours, patient));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(e.getMessage().contains("before its HELLO"), e.getMessage());
            assertTrue(millis < 5_000, "at once, not at the 30 s deadline (a busy loop until then): " + millis + " ms");
        }
    }

    @Test
    void corruptedLengthsTypesFlagsAndDescriptorCountsAreProtocolErrors() throws Exception {
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(0xFFFF_FFF0L, Frame.DATA, 0, 0);
            assertTrue(receiveFails(peer).getMessage().contains("exceeds the limit"));
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(4, 77, 0, 0).write(new byte[4]);
            assertTrue(receiveFails(peer).getMessage().contains("unknown type 77"));
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(4, Frame.DATA, 0x40, 0).write(new byte[4]);
            assertTrue(receiveFails(peer).getMessage().contains("unknown flags"));
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(4, Frame.DATA, 0, 3).write(new byte[4]);
            assertTrue(receiveFails(peer).getMessage().contains("claims 3 descriptors"));
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(4, Frame.PING, 0, 0).write(new byte[4]);
            assertTrue(receiveFails(peer).getMessage().contains("control frame"));
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.writeHello();
            assertTrue(receiveFails(peer).getMessage().contains("second HELLO"));
        }
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }

    /**
     * Issue 13, defect 2: descriptors that no frame claims (sent with a HELLO or a PING, or more than a frame's header
     * says, or on a frame's payload) are closed at once and break the pipe: a peer, logged in or not, cannot park
     * descriptors in this process. Before, every descriptor received was kept until the pipe closed.
     */
    @Test
    void descriptorsNoFrameClaimsAreClosedAtOnceAndBreakThePipe() throws Exception {
        try (EventFd a = EventFd.create(); EventFd b = EventFd.create(); EventFd c = EventFd.create(); Arena arena = Arena.ofConfined()) {
            long baseline = openDescriptors();
            try (HostilePeer peer = new HostilePeer()) {
                peer.writeWithFds(HostilePeer.hello(arena, Frame.HELLO_MAGIC, Frame.VERSION, Frame.VERSION, 1 << 20), a.fd(), b.fd());
                ProtocolException e = assertThrows(ProtocolException.class, () -> SocketPipe.open(peer.ours, CONFIG));
                assertTrue(e.getMessage().contains("2 descriptors arrived that no frame claims"), e.getMessage());
            }
            assertEquals(baseline, openDescriptors(), "what rode on the HELLO is closed");
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                peer.frameWithFds(0, Frame.PING, 0, a.fd(), b.fd(), c.fd());
                assertTrue(receiveFails(peer).getMessage().contains("3 descriptors arrived that no frame claims"));
            }
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                peer.frameWithFds(4, Frame.DATA, 2, a.fd()).write(new byte[4]);
                assertTrue(receiveFails(peer).getMessage().contains("claims 2 descriptors but 1 arrived with it"));
            }
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                peer.frameWithFds(4, Frame.DATA, 1, a.fd(), b.fd()).write(new byte[4]);
                assertTrue(receiveFails(peer).getMessage().contains("claims 1 descriptors but 2 arrived with it"));
            }
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                peer.frame(4, Frame.DATA, 0, UnixSocket.MAX_FDS + 1).write(new byte[4]);
                assertTrue(receiveFails(peer).getMessage().contains("at most " + UnixSocket.MAX_FDS));
            }
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                // Descriptors on a frame's payload, not on its first byte.
                peer.frame(8, Frame.DATA, 0, 0).write(new byte[4]);
                MemorySegment rest = arena.allocate(4);
                peer.writeWithFds(rest, a.fd());
                assertTrue(receiveFails(peer).getMessage().contains("no frame claims"));
            }
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                // A flood: each frame brings ten the protocol does not allow; the first breaks the pipe.
                for (int i = 0; i < 50; i++) {
                    peer.frameWithFds(0, Frame.PING, 0, a.fd(), b.fd(), c.fd(), a.fd(), b.fd(), c.fd(), a.fd(), b.fd(), c.fd(), a.fd());
                }
                assertTrue(receiveFails(peer).getMessage().contains("10 descriptors arrived that no frame claims"));
            }
            assertEquals(baseline, openDescriptors(), "every descriptor received is closed");
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                // The honest shape still works: a frame's descriptors on its first byte, exactly as many as it says.
                MemorySegment frame = arena.allocate(Frame.HEADER + 4);
                Frame.writeHeader(frame, 0, 4, Frame.DATA, 2);
                peer.writeWithFds(frame, a.fd(), b.fd());
                SocketPipe pipe = SocketPipe.open(peer.ours, CONFIG);
                try {
                    int[] handles = {-1};
                    assertEquals(Receipt.MESSAGE, pipe.receive(blob -> {
                        handles[0] = blob.handles().size();
                        for (NativeHandle h : blob.handles()) { // a message's handles are its receiver's to close
                            try {
                                h.close();
                            } catch (java.io.IOException e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }, SHORT));
                    assertEquals(2, handles[0]);
                } finally {
                    pipe.close();
                }
            }
        }
    }

    @Test
    void aConnectionThatEndsWithoutEndOrInsideAFrameMeansThePeerIsGone() throws Exception {
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(1000, Frame.DATA, 0, 0).write(new byte[10]).end();
            assertTrue(receiveFails(peer) instanceof PeerGoneException);
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(3, Frame.DATA, 0, 0).write(new byte[] {1, 2, 3}).end();
            SocketPipe pipe = SocketPipe.open(peer.ours, CONFIG);
            try {
                assertEquals(Receipt.MESSAGE, pipe.receive(blob -> assertEquals(3, blob.length()), SHORT));
                assertThrows(PeerGoneException.class, () -> pipe.receive(blob -> { }, SHORT), "EOF without END");
            } finally {
                pipe.close();
            }
        }
        try (HostilePeer peer = new HostilePeer().writeHello()) {
            peer.frame(0, Frame.DATA, 0, 0).frame(0, Frame.END, 0, 0).end();
            SocketPipe pipe = SocketPipe.open(peer.ours, CONFIG);
            try {
                assertEquals(Receipt.MESSAGE, pipe.receive(blob -> assertEquals(0, blob.length()), SHORT));
                assertEquals(Receipt.ENDED, pipe.receive(blob -> { }, SHORT), "END then EOF is a graceful end");
                assertEquals(Receipt.ENDED, pipe.receive(blob -> { }, SHORT));
            } finally {
                pipe.close();
            }
        }
    }

    /**
     * Seeded fuzzing: random byte streams, and valid streams with random mutations (bit flips, overwritten header
     * fields, truncation), each fed to a fresh pipe. Every case must end in messages, a graceful end, or a
     * {@link TransportException}; anything else (an index error, a hang) fails.
     */
    @Test
    void fuzzedStreamsGiveOnlyTypedOutcomes() throws Exception {
        SplittableRandom random = new SplittableRandom(20261121);
        int cases = 100_000;
        int[] outcomes = new int[3];
        for (int c = 0; c < cases; c++) {
            byte[] stream = random.nextInt(4) == 0 ? randomBytes(random) : mutatedValidStream(random);
            try (HostilePeer peer = new HostilePeer().writeHello()) {
                peer.write(stream).end();
                SocketPipe pipe = SocketPipe.open(peer.ours, CONFIG);
                try {
                    Receipt r;
                    int messages = 0;
                    while ((r = pipe.receive(blob -> {
                        if (blob.length() < 0 || blob.length() > CONFIG.maxMessageSize()) {
                            fail("a message of " + blob.length() + " bytes");
                        }
                    }, SHORT)) == Receipt.MESSAGE) {
                        messages++;
                        if (messages > stream.length) {
                            fail("more messages than bytes");
                        }
                    }
                    assertEquals(Receipt.ENDED, r, "case " + c);
                    outcomes[0]++;
                } catch (TransportException expected) {
                    outcomes[expected instanceof ProtocolException ? 1 : 2]++;
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError("case " + c + " ended untyped: " + e, e);
                } finally {
                    pipe.close();
                }
            }
        }
        assertEquals(cases, outcomes[0] + outcomes[1] + outcomes[2]);
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0 && outcomes[2] > 0, "every outcome occurs: " + java.util.Arrays.toString(outcomes));
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] b = new byte[random.nextInt(1, 64)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) random.nextInt(256);
        }
        return b;
    }

    private static byte[] mutatedValidStream(SplittableRandom random) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int frames = random.nextInt(1, 5);
        for (int f = 0; f < frames; f++) {
            int length = random.nextInt(0, 40);
            int type = random.nextInt(8) == 0 ? Frame.PING : Frame.DATA;
            if (type == Frame.PING) {
                length = 0;
            }
            byte[] header = {(byte) length, (byte) (length >>> 8), 0, 0, (byte) type, 0, 0, 0};
            out.writeBytes(header);
            out.writeBytes(new byte[length]);
        }
        if (random.nextBoolean()) {
            out.writeBytes(new byte[] {0, 0, 0, 0, Frame.END, 0, 0, 0});
        }
        byte[] b = out.toByteArray();
        int mutations = random.nextInt(0, 4);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int at = random.nextInt(b.length);
            switch (random.nextInt(4)) {
                case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
                case 1 -> b[at] = (byte) random.nextInt(256);
                case 2 -> b[at] = (byte) 0xFF;
                default -> b = java.util.Arrays.copyOf(b, at);
            }
        }
        return b;
    }
}
