package dev.ipc4j.bench.messages;

import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.transport.BlobHandler;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The transport-only rows of {@code bench messages}: round trips over the ring pipe of one of the session's channels
 * ({@link Channel#blobs()}), no message layer, both ends one thread each (the caller here, {@link #serve} in the child).
 *
 * <p>Frames: a request is {@value #REQUEST_BYTES} bytes, its sequence number at 0 and its kind ({@link #SMALL} or
 * {@link #LARGE}) at 8. {@link #SMALL} is answered with the request's own 64 bytes; {@link #LARGE} with
 * {@value #LARGE_REPLY_BYTES} bytes: the sequence number, then the {@link SessionHandle} of the child's {@code large}
 * block (lent once; the child holds the block for the whole run), which the caller borrows, reads in place (first and
 * last word) and gives back: the transport and shm cost of a payload sent by handle, without the message layer.
 */
final class RingExchange implements AutoCloseable {
    static final int REQUEST_BYTES = 64;
    static final int LARGE_REPLY_BYTES = 8 + SessionHandle.BYTES;
    static final long SMALL = 0;
    static final long LARGE = 1;
    private static final Duration SLICE = Duration.ofMillis(100);

    private final Session session;
    private final BlobPipe pipe;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment request;
    private final MemorySegment reply;
    private int replyLength;
    private final BlobHandler copier;

    RingExchange(Session session, Channel channel) {
        if (!channel.hasRing()) {
            throw new IllegalArgumentException("the transport rows need a ring channel: " + channel);
        }
        this.session = session;
        this.pipe = channel.blobs();
        this.request = arena.allocate(REQUEST_BYTES, 8);
        this.reply = arena.allocate(REQUEST_BYTES, 8);
        this.copier = blob -> {
            replyLength = blob.length();
            MemorySegment.copy(blob.buffer(), blob.offset(), reply, 0, Math.min(blob.length(), REQUEST_BYTES));
        };
    }

    /** One 64-byte round trip; returns the echoed sequence number. */
    long small(long sequence, long deadlineNanos) throws IOException, TimeoutException {
        send(sequence, SMALL);
        receive(deadlineNanos);
        if (replyLength != REQUEST_BYTES) {
            throw new IOException("a " + replyLength + "-byte reply to a 64-byte request");
        }
        return reply.get(ValueLayout.JAVA_LONG, 0);
    }

    /**
     * One round trip answered by a handle: borrows the block, hands its bytes to {@code reader} (in place) and gives it
     * back; returns what {@code reader} returned.
     */
    long large(long sequence, long deadlineNanos, BlockReader reader) throws IOException, TimeoutException {
        send(sequence, LARGE);
        receive(deadlineNanos);
        if (replyLength != LARGE_REPLY_BYTES || reply.get(ValueLayout.JAVA_LONG, 0) != sequence) {
            throw new IOException("reply of " + replyLength + " bytes to large request " + sequence + ", sequence "
                    + reply.get(ValueLayout.JAVA_LONG, 0));
        }
        try (Lease lease = session.borrow(SessionHandle.readFrom(reply, 8))) {
            return reader.read(lease.memory());
        }
    }

    /** What the caller does with the borrowed block while it holds it. */
    @FunctionalInterface
    interface BlockReader {
        long read(MemorySegment block) throws IOException;
    }

    private void send(long sequence, long kind) throws IOException {
        request.set(ValueLayout.JAVA_LONG, 0, sequence);
        request.set(ValueLayout.JAVA_LONG, 8, kind);
        pipe.send(request);
    }

    private void receive(long deadlineNanos) throws IOException, TimeoutException {
        while (true) {
            Receipt r = pipe.receive(copier, SLICE);
            if (r == Receipt.MESSAGE) {
                return;
            }
            if (r == Receipt.ENDED) {
                throw new EOFException("the child ended the ring channel");
            }
            if (System.nanoTime() - deadlineNanos > 0) {
                throw new TimeoutException("no reply on the ring channel before the deadline");
            }
        }
    }

    /**
     * The child's side, on the calling thread until the channel ends or closes: answers every request as described
     * above, the large ones with {@code large} (lent once, here).
     */
    static void serve(Session session, Channel channel, dev.ipc4j.shm.ShmBlock large) throws IOException {
        BlobPipe pipe = channel.blobs();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(REQUEST_BYTES, 8);
            MemorySegment handleReply = arena.allocate(LARGE_REPLY_BYTES, 8);
            session.lend(large).writeTo(handleReply, 8);
            int[] length = new int[1];
            BlobHandler copier = blob -> {
                length[0] = blob.length();
                MemorySegment.copy(blob.buffer(), blob.offset(), in, 0, Math.min(blob.length(), REQUEST_BYTES));
            };
            while (pipe.isOpen()) {
                Receipt r = pipe.receive(copier, SLICE);
                if (r == Receipt.ENDED) {
                    return;
                }
                if (r != Receipt.MESSAGE) {
                    continue;
                }
                if (length[0] != REQUEST_BYTES) {
                    throw new IOException("a " + length[0] + "-byte request on the ring channel");
                }
                long kind = in.get(ValueLayout.JAVA_LONG, 8);
                if (kind == SMALL) {
                    pipe.send(in);
                } else if (kind == LARGE) {
                    handleReply.set(ValueLayout.JAVA_LONG, 0, in.get(ValueLayout.JAVA_LONG, 0));
                    pipe.send(handleReply);
                } else {
                    throw new IOException("request kind " + kind + " on the ring channel");
                }
            }
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
