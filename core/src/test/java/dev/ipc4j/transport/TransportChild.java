package dev.ipc4j.transport;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Mapping;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The far end of the transport tests. args: scenario, socket path, "ring" or "socket", then the scenario's own.
 */
public final class TransportChild {
    private TransportChild() {}

    static Channel.Config config(String mode) {
        if (mode.equals("socket-ping")) {
            return Channel.Config.SOCKET_ONLY.withSocket(SocketPipe.Config.DEFAULT.withKeepAlive(Duration.ofMillis(100), Duration.ZERO));
        }
        Channel.Config base = mode.equals("ring") ? Channel.Config.DEFAULT : Channel.Config.SOCKET_ONLY;
        return base.withWait(WaitStrategy.backoff());
    }

    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[1]);
        try (Channel channel = Channel.connect(path, config(args[2]))) {
            say("CONNECTED " + channel.hasRing());
            switch (args[0]) {
                case "echo" -> echo(channel);
                case "stream" -> stream(channel, Long.parseLong(args[3]), Long.parseLong(args[4]));
                case "handles" -> handles(channel);
                case "idle" -> hear();
                case "big" -> channel.blobs().send(bigMessage(Integer.parseInt(args[3])));
                case "scribble-ring" -> scribbleRing(channel, Long.parseLong(args[3]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
        say("DONE");
    }

    /**
     * A hostile peer: sends a few good messages, then writes random words all over its own mapping of the channel's
     * shared ring (header, positions, records, both directions), as a buggy or hostile process could, while it keeps
     * sending. Says SCRIBBLED with the number of words, then waits for the parent.
     */
    private static void scribbleRing(Channel channel, long seed) throws Exception {
        for (int i = 0; i < 10; i++) {
            channel.blobs().send(MemorySegment.ofArray(new byte[100]));
        }
        long[] ring = null;
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/maps"))) {
            if (line.contains("/memfd:ipc4j.ring")) {
                String[] range = line.split(" ")[0].split("-");
                ring = new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)};
            }
        }
        if (ring == null) {
            throw new AssertionError("no ring mapped");
        }
        @SuppressWarnings("restricted") // the ring's own mapping, as /proc/self/maps lists it: a scribbler on purpose
        MemorySegment m = MemorySegment.ofAddress(ring[0]).reinterpret(ring[1] - ring[0]);
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        long words = 0;
        for (int round = 0; round < 2000; round++) {
            for (int i = 0; i < 64; i++, words++) {
                m.set(java.lang.foreign.ValueLayout.JAVA_LONG, random.nextLong(m.byteSize()) & ~7L, random.nextLong());
            }
            try {
                channel.blobs().send(MemorySegment.ofArray(new byte[1 + random.nextInt(300)]));
            } catch (RuntimeException e) {
                break; // the parent gave up on us, or our own side saw the garbage
            }
        }
        say("SCRIBBLED " + words);
        hear();
    }

    /** {@code bytes} of a seeded pattern, the same in both processes. */
    static MemorySegment bigMessage(int bytes) {
        MemorySegment m = Arena.ofAuto().allocate(bytes, 8);
        java.util.SplittableRandom random = new java.util.SplittableRandom(bytes);
        for (long i = 0; i + 8 <= bytes; i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        return m;
    }

    /** Sends back every message until the parent ends, then ends too. */
    private static void echo(Channel channel) throws Exception {
        BlobPipe pipe = channel.blobs();
        MemorySegment copy = Arena.ofAuto().allocate(Traffic.MAX_SIZE);
        long[] length = new long[1];
        while (pipe.receive(blob -> {
            MemorySegment.copy(blob.buffer(), blob.offset(), copy, 0, blob.length());
            length[0] = blob.length();
        }, Duration.ofSeconds(60)) == Receipt.MESSAGE) {
            pipe.send(copy.asSlice(0, length[0]));
        }
        pipe.endSending();
    }

    /** Sends {@code count} checksummed messages as fast as the pipe takes them, then closes at once. */
    private static void stream(Channel channel, long seed, long count) throws Exception {
        Traffic traffic = new Traffic(seed);
        BlobPipe pipe = channel.blobs();
        for (long i = 0; i < count; i++) {
            pipe.send(traffic.message(i, traffic.nextSize(i)));
        }
        say("SENT " + count);
        // Channel.close() (try-with-resources) ends the stream: the parent must still get all of it.
    }

    /** Maps every memfd that arrives with a message and answers with the long each holds. */
    private static void handles(Channel channel) throws Exception {
        List<Long> values = new ArrayList<>();
        int[] count = new int[1];
        channel.handles().receive(blob -> {
            count[0] = blob.handles().size();
            for (NativeHandle h : blob.handles()) {
                try (h; Mapping m = Mapping.map(dev.ipc4j.os.Fd.borrow(h.fd()), 4096, true)) {
                    values.add(m.segment().get(ValueLayout.JAVA_LONG, 0));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }, Duration.ofSeconds(60));
        say("VALUES " + count[0] + " " + values);
        hear("BYE");
    }
}
