package dev.ipc4j.bench.harness;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeoutException;

/**
 * Fixed-size messages over a connected stream socket (Unix or TCP), the raw baselines: no framing, since every message
 * of a run has the same size. {@link WaitMode#BLOCK} uses a blocking channel (the thread sleeps in read/write);
 * {@link WaitMode#SPIN} a non-blocking one polled in a loop (one syscall per poll, never sleeping).
 *
 * <p>Reads go through a 64 KiB buffer so that one read can bring many messages (throughput runs); ping-pong reads are
 * still one syscall per message. Nothing is allocated per message: the buffers exist once per link.
 */
final class StreamLink implements PingPongTransport.Link {
    private static final int READ_BUFFER = 64 * 1024;

    private final SocketChannel channel;
    private final boolean spin;
    private final ByteBuffer in = ByteBuffer.allocateDirect(READ_BUFFER);
    private final MemorySegment inSegment = MemorySegment.ofBuffer(in);
    /** Bytes [consumed, filled) of {@link #in} are received and not yet handed out. */
    private int consumed;
    private int filled;

    StreamLink(SocketChannel channel, WaitMode wait) throws IOException {
        this.channel = channel;
        this.spin = wait == WaitMode.SPIN;
        channel.configureBlocking(!spin);
    }

    @Override
    public void send(Payload message, long deadlineNanos) throws IOException, TimeoutException {
        ByteBuffer out = message.buffer();
        out.clear().limit(message.length());
        int idle = 0;
        while (out.hasRemaining()) {
            if (channel.write(out) == 0 && ++idle % Deadlines.CHECK_EVERY == 0) {
                Deadlines.check(deadlineNanos, "room in the socket's send buffer");
            }
        }
    }

    @Override
    public void receive(Payload into, long deadlineNanos) throws IOException, TimeoutException {
        int length = into.length();
        if (length > READ_BUFFER) {
            throw new IllegalArgumentException("messages over " + READ_BUFFER + " bytes are not supported by this baseline");
        }
        int idle = 0;
        while (filled - consumed < length) {
            if (READ_BUFFER - filled < length) {
                compact();
            }
            in.limit(READ_BUFFER).position(filled);
            int n = channel.read(in);
            if (n < 0) {
                throw new EOFException("peer closed the socket");
            }
            if (n == 0) {
                Thread.onSpinWait();
                if (++idle % Deadlines.CHECK_EVERY == 0) {
                    Deadlines.check(deadlineNanos, "a message on the socket");
                }
            }
            filled += n;
        }
        MemorySegment.copy(inSegment, consumed, into.segment(), 0, length);
        consumed += length;
        if (consumed == filled) {
            consumed = filled = 0;
        }
    }

    /** Moves the unread bytes to the start of the buffer. */
    private void compact() {
        MemorySegment.copy(inSegment, consumed, inSegment, 0, filled - consumed);
        filled -= consumed;
        consumed = 0;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
