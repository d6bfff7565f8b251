package dev.ipc4j.session;

import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import dev.ipc4j.transport.TransportException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;

/**
 * Checksummed traffic over a channel: {@link #drive} sends numbered messages (u64 sequence, u32 CRC32C of the rest,
 * seeded random bytes; 16 B to 64 KiB) and checks each echo byte for byte; {@link #serve} checks each message's CRC and
 * sends it back. Loss, duplication, reordering and corruption all fail.
 */
final class Echo {
    static final int MAX = 64 << 10;
    private static final Duration WAIT = Duration.ofSeconds(60);

    private Echo() {}

    /** Echoes every message until the peer ends; the future fails with what stopped it otherwise. */
    static CompletableFuture<Long> serve(Channel channel) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("echo").start(() -> {
            BlobPipe pipe = channel.blobs();
            MemorySegment copy = Arena.ofAuto().allocate(MAX);
            long[] length = {-1};
            long count = 0;
            try {
                while (true) {
                    Receipt r = pipe.receive(blob -> {
                        MemorySegment.copy(blob.segment(), 0, copy, 0, blob.length());
                        length[0] = blob.length();
                    }, WAIT);
                    if (r == Receipt.ENDED) {
                        done.complete(count);
                        return;
                    }
                    if (r == Receipt.TIMED_OUT) {
                        throw new AssertionError("no message within " + WAIT);
                    }
                    MemorySegment m = copy.asSlice(0, length[0]);
                    if (m.byteSize() < 16 || crc(m) != m.get(ValueLayout.JAVA_INT_UNALIGNED, 8)) {
                        throw new AssertionError("message " + count + " arrived corrupted");
                    }
                    pipe.send(m);
                    count++;
                }
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        return done;
    }

    /** Sends {@code n} messages one at a time and checks every echo. */
    static void drive(Channel channel, int n, long seed) throws TransportException {
        BlobPipe pipe = channel.blobs();
        SplittableRandom random = new SplittableRandom(seed);
        MemorySegment out = Arena.ofAuto().allocate(MAX);
        boolean[] same = new boolean[1];
        for (int i = 0; i < n; i++) {
            int size = 16 + random.nextInt(1 << random.nextInt(1, 17)) % (MAX - 16);
            MemorySegment m = out.asSlice(0, size);
            for (long at = 16; at < size; at++) {
                m.set(ValueLayout.JAVA_BYTE, at, (byte) random.nextInt());
            }
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, i);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, 8, crc(m));
            pipe.send(m);
            Receipt r = pipe.receive(blob -> same[0] = blob.segment().mismatch(m) == -1, WAIT);
            if (r != Receipt.MESSAGE || !same[0]) {
                throw new AssertionError("echo of message " + i + " (" + size + " bytes): " + (r == Receipt.MESSAGE ? "differs" : r));
            }
        }
    }

    static int crc(MemorySegment m) {
        CRC32C crc = new CRC32C();
        crc.update(m.asSlice(12).asByteBuffer());
        return (int) crc.getValue();
    }
}
