package dev.ipc4j.bench.harness;

import dev.ipc4j.transport.BlobHandler;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import dev.ipc4j.transport.RingPipe;
import dev.ipc4j.transport.WaitStrategy;
import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * ipc4j's own pipes under the harness: a {@link Channel} whose {@link Channel#blobs()} is either the shared-memory
 * ring ({@code ring}) or the framed socket pipe ({@code socketpipe}). Spin is {@link WaitStrategy#busySpin()};
 * block is {@link WaitStrategy#blocking()} (park on the futex at once, as a blocking socket read sleeps at once).
 */
public final class Ipc4jChannelTransport implements PingPongTransport {
    private static final Duration SLICE = Duration.ofMillis(100);

    private final boolean ring;

    private Ipc4jChannelTransport(boolean ring) {
        this.ring = ring;
    }

    /** The shared-memory ring pipe. */
    public static Ipc4jChannelTransport ring() {
        return new Ipc4jChannelTransport(true);
    }

    /** The framed Unix socket pipe. */
    public static Ipc4jChannelTransport socketPipe() {
        return new Ipc4jChannelTransport(false);
    }

    @Override
    public String name() {
        return ring ? "ring" : "socketpipe";
    }

    @Override
    public String description() {
        return ring
                ? "ipc4j RingPipe: SPSC rings in a sealed memfd, copy in, read in place, sends bound to the harness thread "
                        + "(spin: busy spin; block: park at once on the ring's doorbell)"
                : "ipc4j SocketPipe: framed Unix socket, HELLO/END protocol, bounded send queue (block: poll + recvmsg)";
    }

    @Override
    public Set<WaitMode> waits() {
        return ring ? EnumSet.allOf(WaitMode.class) : EnumSet.of(WaitMode.BLOCK);
    }

    private Channel.Config config(WaitMode wait) {
        Channel.Config base = ring ? Channel.Config.DEFAULT : Channel.Config.SOCKET_ONLY;
        return base.withWait(wait.strategy());
    }

    @Override
    public Host host(WaitMode wait, Path workDir, int payloadBytes) throws IOException {
        Path path = workDir.resolve("ipc4j.sock");
        Channel.Listener listener = Channel.listen(path, 0600, config(wait));
        // A channel's connect completes only after both HELLOs, so accept from the start, in the background: the
        // harness lets the child connect (and say READY) before it calls accept.
        CompletableFuture<Channel> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                return listener.accept(Duration.ofMinutes(10));
            } catch (IOException | dev.ipc4j.Ipc4jException e) {
                throw new CompletionException(e);
            }
        }, runnable -> Thread.ofPlatform().daemon().name("ipc4j-bench-accept").start(runnable));
        return new Host() {
            @Override
            public String address() {
                return path.toString();
            }

            @Override
            public Link accept(long deadlineNanos) throws IOException, TimeoutException {
                try {
                    return new PipeLink(accepted.get(Math.max(1, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while accepting", e);
                }
            }

            @Override
            public void close() throws IOException {
                listener.close();
                accepted.thenAccept(Channel::close);
            }
        };
    }

    @Override
    public Link connect(String address, WaitMode wait, int payloadBytes, long deadlineNanos) throws IOException {
        return new PipeLink(Channel.connect(Path.of(address), config(wait)));
    }

    /** One end; the handler and its target live in fields so a message costs no allocation. */
    private static final class PipeLink implements Link {
        private final Channel channel;
        private final BlobPipe pipe;
        private Payload target;
        private long lastLength;
        private final BlobHandler copier = blob -> {
            lastLength = blob.length();
            MemorySegment.copy(blob.buffer(), blob.offset(), target.segment(), 0, Math.min(blob.length(), target.length()));
        };

        PipeLink(Channel channel) {
            this.channel = channel;
            this.pipe = channel.blobs();
        }

        private boolean bound;

        /**
         * The harness sends from one thread: the ring's sends are {@linkplain RingPipe#bindSender() bound} to it on the
         * first send (no lock per message, as Aeron's ExclusivePublication, which the aeron transport uses).
         */
        @Override
        public void send(Payload message, long deadlineNanos) throws IOException {
            if (!bound) {
                if (pipe instanceof RingPipe ring) {
                    ring.bindSender();
                }
                bound = true;
            }
            pipe.send(message.segment());
        }

        @Override
        public void receive(Payload into, long deadlineNanos) throws IOException, TimeoutException {
            target = into;
            while (true) {
                Receipt r = pipe.receive(copier, SLICE);
                if (r == Receipt.MESSAGE) {
                    if (lastLength != into.length()) {
                        throw new IOException("a message of " + lastLength + " bytes, expected " + into.length());
                    }
                    return;
                }
                if (r == Receipt.ENDED) {
                    throw new EOFException("the peer ended the channel");
                }
                if (System.nanoTime() - deadlineNanos > 0) {
                    throw new TimeoutException("no message before the deadline");
                }
            }
        }

        private PingPongTransport.MessageCheck batchCheck;
        private IOException batchFailure;
        private final BlobHandler batchCopier = blob -> {
            if (batchFailure != null) {
                return;
            }
            if (blob.length() != target.length()) {
                batchFailure = new IOException("a message of " + blob.length() + " bytes, expected " + target.length());
                return;
            }
            MemorySegment.copy(blob.buffer(), blob.offset(), target.segment(), 0, blob.length());
            try {
                batchCheck.check(target);
            } catch (IOException e) {
                batchFailure = e;
            }
        };

        /**
         * The first message as {@link #receive} waits for it (by the channel's wait strategy), then one
         * {@code poll(handler, limit - 1)} for whatever else is waiting.
         */
        @Override
        public int receiveUpTo(int limit, Payload into, PingPongTransport.MessageCheck each, long deadlineNanos)
                throws IOException, TimeoutException {
            receive(into, deadlineNanos);
            each.check(into);
            if (limit == 1) {
                return 1;
            }
            batchCheck = each;
            int more = pipe.poll(batchCopier, limit - 1);
            if (batchFailure != null) {
                IOException e = batchFailure;
                batchFailure = null;
                throw e;
            }
            return 1 + Math.max(0, more);
        }

        @Override
        public void close() {
            channel.close();
        }
    }
}
