package dev.ipc4j.transport;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.Errno;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.Poll;
import dev.ipc4j.os.Threads;
import dev.ipc4j.os.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link HandlePipe} over a connected Unix stream socket: length-prefixed {@link Frame}s, descriptors riding on a
 * frame's first byte, a protocol version agreed in a HELLO exchange, graceful END distinct from a dropped connection,
 * and optional keep-alive pings with an idle timeout.
 *
 * <p>Sending tries the socket at once without blocking; what the kernel does not take waits in a bounded queue that a
 * flusher thread drains as the socket drains, so senders never block on a slow reader until the queue is full.
 * Receiving reads into one native buffer and hands frames to the handler in place; nothing is allocated per message
 * unless a message is larger than that buffer or carries descriptors.
 */
public final class SocketPipe implements HandlePipe {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(SocketPipe.class.getName());
    }
    private static final Fd[] NO_FDS = new Fd[0];
    /** A RING frame carries the segment and four doorbells (see {@link Frame}). */
    static final int RING_FDS = 5;
    private static final long CLOSE_FLUSH_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final int SEND_BUFFER = 64 * 1024;
    private static final int RECEIVE_BUFFER = 256 * 1024;
    private static final int KERNEL_BUFFER = 4 << 20;

    /**
     * @param maxMessageSize the largest message this side accepts (and announces to the peer)
     * @param sendQueueBytes how many bytes may wait to be sent before {@code send} waits and {@code trySend} says no
     * @param keepAlive send a PING when nothing was sent for this long ({@link Duration#ZERO}: never)
     * @param idleTimeout the peer is deemed gone when nothing arrived for this long ({@link Duration#ZERO}: never)
     * @param handshakeTimeout how long to wait for the peer's HELLO
     * @param threadFactory makes the pipe's own threads: the one that drains its send queue while the socket is full
     *     (started when a send queues, gone when the queue is empty) and {@link #deliverTo}'s receiver
     */
    public record Config(int maxMessageSize, long sendQueueBytes, Duration keepAlive, Duration idleTimeout,
            Duration handshakeTimeout, ThreadFactory threadFactory) {
        /**
         * A 64 MiB payload plus room for the header of a layer above (the message protocol's is 48 bytes), so that
         * socket-only message channels carry 64 MiB payloads.
         */
        public static final Config DEFAULT =
                new Config((64 << 20) + (64 << 10), 64L << 20, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(10),
                        Threads.DAEMON);

        public Config {
            if (maxMessageSize < Frame.HELLO_SIZE || sendQueueBytes < 0) {
                throw new IllegalArgumentException("maxMessageSize " + maxMessageSize + ", sendQueueBytes " + sendQueueBytes);
            }
            Objects.requireNonNull(keepAlive, "keepAlive");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
            Objects.requireNonNull(threadFactory, "threadFactory");
        }

        /** Flow-IPC's defaults for session channels: a ping every 2 s, gone after 5 s of silence. */
        public Config withKeepAlive(Duration keepAlive, Duration idleTimeout) {
            return new Config(maxMessageSize, sendQueueBytes, keepAlive, idleTimeout, handshakeTimeout, threadFactory);
        }

        /** A copy with {@code maxMessageSize} replaced, checked like the rest. */
        public Config withMaxMessageSize(int maxMessageSize) {
            return new Config(maxMessageSize, sendQueueBytes, keepAlive, idleTimeout, handshakeTimeout, threadFactory);
        }

        /** A copy with {@code sendQueueBytes} replaced, checked like the rest. */
        public Config withSendQueueBytes(long sendQueueBytes) {
            return new Config(maxMessageSize, sendQueueBytes, keepAlive, idleTimeout, handshakeTimeout, threadFactory);
        }

        /** A copy with {@code handshakeTimeout} replaced, checked like the rest. */
        public Config withHandshakeTimeout(Duration handshakeTimeout) {
            return new Config(maxMessageSize, sendQueueBytes, keepAlive, idleTimeout, handshakeTimeout, threadFactory);
        }

        /** A copy with {@code threadFactory} replaced, checked like the rest. */
        public Config withThreadFactory(ThreadFactory threadFactory) {
            return new Config(maxMessageSize, sendQueueBytes, keepAlive, idleTimeout, handshakeTimeout, threadFactory);
        }

        /** A thread from {@link #threadFactory()} for {@code task}, named; fails clearly when the factory makes none. */
        Thread newThread(String name, Runnable task) {
            return Threads.newThread(threadFactory, "the pipe's", name, task);
        }
    }

    private final UnixSocket socket;
    private final Config config;
    private final PeerIdentity peer;
    private final Arena arena = Arena.ofShared();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile TransportException failure;
    private ScheduledFuture<?> keepAliveTask;

    // Sending, under sendLock.
    private final ReentrantLock sendLock = new ReentrantLock();
    private final Condition sendRoom = sendLock.newCondition();
    private final MemorySegment sendBuffer;
    private final SendQueue queue;
    private boolean flusherRunning;
    private boolean sendingEnded;
    private long peerMaxMessage = Frame.HELLO_SIZE;
    private volatile long lastSent = System.nanoTime();

    // Receiving, under receiveLock.
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final MemorySegment receiveBuffer;
    private long readStart;
    private long readEnd;
    private MemorySegment big;
    private long bigLength = -1;
    private long bigFilled;
    private boolean framePending;
    private MemorySegment frameBuffer;
    private long frameOffset;
    private int frameLength;
    private int frameType;
    private List<NativeHandle> frameHandles = List.of();
    /**
     * Descriptors received and not yet claimed by a frame, each batch with the stream range of the read that brought
     * it. The kernel hands a stream socket's descriptors to the read that reaches the first byte they were sent with,
     * and ends that read there; our sender attaches a frame's descriptors to its first byte. So a batch belongs to the
     * frame that starts inside its read's range and claims exactly that many, or to none: then it is closed at once
     * and the peer is in breach of the protocol (it cannot park descriptors in this process).
     */
    private final ArrayDeque<FdBatch> arrivedFds = new ArrayDeque<>();
    /** Bytes ever read from the socket: the stream position of the end of the last read. */
    private long streamRead;
    private final List<Fd> fdScratch = new ArrayList<>();
    private final BlobView view = new BlobView();
    private boolean blockingRead;
    private boolean helloSeen;
    private boolean peerEnded;
    private boolean endOfStream;
    private Fd[] ringSegment; // the RING frame's descriptors until the channel takes them
    // A driver's sleep on this socket (prepareToSleep .. awoke), and what a poll may find since (receive lock).
    private WaitSet sleepingIn;
    private int socketIndex;
    private long sleepingSince; // sleepingIn.awaits() when registered: a wait made since then saw the socket
    private volatile boolean mayHaveInput = true;
    private volatile long knownEmptyAt = System.nanoTime();
    private boolean ringDecided;
    private volatile long lastReceived = System.nanoTime();

    private SocketPipe(UnixSocket socket, Config config, PeerIdentity knownPeer) throws ErrnoException {
        this.socket = socket;
        this.config = config;
        if (knownPeer != null) {
            this.peer = knownPeer;
        } else {
            PeerCredentials c = socket.peerCredentials();
            this.peer = new PeerIdentity(c.pid(), c.uid(), c.gid());
        }
        // Big kernel buffers let a large message cross in few wake-ups; the kernel caps what it grants.
        socket.setBufferSizes(KERNEL_BUFFER);
        socket.setReceiveTimeout(WaitStrategy.CHECK_INTERVAL);
        this.sendBuffer = arena.allocate(SEND_BUFFER, 64);
        this.queue = new SendQueue(Math.max(SEND_BUFFER, config.sendQueueBytes()));
        this.receiveBuffer = arena.allocate(RECEIVE_BUFFER, 64);
    }

    /**
     * Makes a pipe of a connected socket (which it then owns) and exchanges HELLO with the peer.
     *
     * @throws ProtocolException when the peer does not speak a version we speak
     * @throws PeerGoneException when it does not answer within the handshake timeout
     */
    static SocketPipe open(UnixSocket socket, Config config) throws TransportException {
        return open(socket, config, null);
    }

    /**
     * As {@link #open(UnixSocket, Config)}, for a socket whose kernel credentials do not name the peer: one end of a
     * socket pair this process created and passed the other end of, whose credentials are this process's own.
     *
     * @param knownPeer who holds the other end, as established elsewhere (e.g. by the session's log-in); null to ask
     *     the kernel
     */
    static SocketPipe open(UnixSocket socket, Config config, PeerIdentity knownPeer) throws TransportException {
        SocketPipe pipe;
        try {
            pipe = new SocketPipe(socket, config, knownPeer);
        } catch (ErrnoException e) {
            Closing.quietly(socket);
            throw new PeerGoneException("socket unusable: " + e.getMessage(), e);
        }
        try {
            pipe.handshake();
            pipe.startKeepAlive();
            return pipe;
        } catch (RuntimeException e) {
            pipe.close();
            throw e;
        }
    }

    private void handshake() throws TransportException {
        MemorySegment hello = arena.allocate(Frame.HEADER + Frame.HELLO_SIZE, 8);
        Frame.writeHeader(hello, 0, Frame.HELLO_SIZE, Frame.HELLO, 0);
        hello.set(ValueLayout.JAVA_INT_UNALIGNED, Frame.HEADER + Frame.HELLO_MAGIC_AT, Frame.HELLO_MAGIC);
        hello.set(ValueLayout.JAVA_SHORT_UNALIGNED, Frame.HEADER + Frame.HELLO_MIN_VERSION, (short) Frame.VERSION);
        hello.set(ValueLayout.JAVA_SHORT_UNALIGNED, Frame.HEADER + Frame.HELLO_MAX_VERSION, (short) Frame.VERSION);
        hello.set(ValueLayout.JAVA_LONG_UNALIGNED, Frame.HEADER + Frame.HELLO_MAX_MESSAGE, config.maxMessageSize());
        try {
            socket.sendFully(hello);
        } catch (ErrnoException e) {
            throw gone("sending HELLO", e);
        }
        long deadline = System.nanoTime() + config.handshakeTimeout().toNanos();
        receiveLock.lock();
        try {
            while (!helloSeen) {
                if (!frameReady()) {
                    if (endOfStream) { // else poll says "readable" at once, again and again, until the deadline
                        throw new PeerGoneException("the peer closed the connection before its HELLO");
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new PeerGoneException("the peer sent no HELLO within " + config.handshakeTimeout());
                    }
                    awaitReadable(left);
                    continue;
                }
                if (frameType != Frame.HELLO) {
                    throw protocol(new ProtocolException("the first frame must be HELLO, not type " + frameType));
                }
                takeHello();
                consumeFrame();
            }
        } finally {
            receiveLock.unlock();
        }
    }

    private void takeHello() throws TransportException {
        MemorySegment b = frameBuffer;
        long at = frameOffset;
        int magic = b.get(ValueLayout.JAVA_INT_UNALIGNED, at + Frame.HELLO_MAGIC_AT);
        int min = b.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + Frame.HELLO_MIN_VERSION) & 0xffff;
        int max = b.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + Frame.HELLO_MAX_VERSION) & 0xffff;
        long maxMessage = b.get(ValueLayout.JAVA_LONG_UNALIGNED, at + Frame.HELLO_MAX_MESSAGE);
        if (magic != Frame.HELLO_MAGIC) {
            throw protocol(new ProtocolException("the peer is not an ipc4j pipe (HELLO magic 0x" + Integer.toHexString(magic) + ")"));
        }
        if (min > Frame.VERSION || max < Frame.VERSION) {
            throw protocol(new ProtocolException("the peer speaks protocol versions " + min + " to " + max
                    + "; this side speaks " + Frame.VERSION));
        }
        if (maxMessage < 0) {
            throw protocol(new ProtocolException("the peer announced a negative message limit"));
        }
        sendLock.lock();
        try {
            peerMaxMessage = maxMessage;
        } finally {
            sendLock.unlock();
        }
        helloSeen = true;
    }

    private void startKeepAlive() {
        long ping = config.keepAlive().toNanos();
        long idle = config.idleTimeout().toNanos();
        if (ping <= 0 && idle <= 0) {
            return;
        }
        long period = Math.max(1_000_000, Math.min(ping > 0 ? ping : Long.MAX_VALUE, idle > 0 ? idle / 4 : Long.MAX_VALUE));
        keepAliveTask = KeepAlive.SCHEDULER.scheduleAtFixedRate(() -> keepAlive(ping, idle), period, period, TimeUnit.NANOSECONDS);
    }

    private void keepAlive(long ping, long idle) {
        long now = System.nanoTime();
        if (idle > 0 && now - lastReceived > idle && !bytesWaiting()) {
            fail(new PeerGoneException("nothing arrived from peer " + peer.pid() + " for " + config.idleTimeout()
                    + " (keep-alive): it hangs or is gone"));
            return;
        }
        if (ping > 0 && now - lastSent >= ping) {
            try {
                sendFrame(Frame.PING, MemorySegment.NULL, NO_FDS, 0, true);
            } catch (TransportException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, "keep-alive ping not sent", e);
            }
        }
    }

    /** Whether the peer sent something nobody has read yet: that is traffic too, and proves it alive. */
    private boolean bytesWaiting() {
        try {
            if (Poll.readable(socket.fd(), 0)) {
                lastReceived = System.nanoTime();
                return true;
            }
            return false;
        } catch (ErrnoException e) {
            return false;
        }
    }

    @Override
    public PeerIdentity peer() {
        return peer;
    }

    /** What this pipe was built with. */
    public Config config() {
        return config;
    }

    // ------------------------------------------------------------------------------------------------ sending

    @Override
    public void send(MemorySegment message) throws TransportException {
        sendFrame(Frame.DATA, message, NO_FDS, -1, false);
    }

    @Override
    public void send(MemorySegment message, NativeHandle... handles) throws TransportException {
        if (handles.length > UnixSocket.MAX_FDS) {
            throw new IllegalArgumentException("at most " + UnixSocket.MAX_FDS + " handles per message");
        }
        if (handles.length > 0 && message.byteSize() == 0) {
            throw new IllegalArgumentException("handles need a message of at least one byte to ride on");
        }
        Fd[] fds = new Fd[handles.length];
        for (int i = 0; i < handles.length; i++) {
            fds[i] = Fd.borrow(handles[i].fd()); // the caller keeps each handle open across the send
        }
        sendFrame(Frame.DATA, message, fds, -1, false);
    }

    @Override
    public boolean trySend(MemorySegment message) throws TransportException {
        return sendFrame(Frame.DATA, message, NO_FDS, 0, true);
    }

    @Override
    public boolean trySend(MemorySegment message, Duration timeout) throws TransportException {
        return sendFrame(Frame.DATA, message, NO_FDS, Math.max(0, timeout.toNanos()), true);
    }

    @Override
    public void endSending() throws TransportException {
        sendLock.lock();
        try {
            if (!sendingEnded && failure == null && !closed.get()) {
                sendFrame(Frame.END, MemorySegment.NULL, NO_FDS, -1, false);
                sendingEnded = true;
            }
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Sends one frame: straight into the socket when nothing is queued, the rest into the queue.
     *
     * @param waitNanos how long to wait for queue room; -1 without limit
     * @return false when {@code mayRefuse} and there was no room in time (nothing was sent)
     */
    private boolean sendFrame(int type, MemorySegment payload, Fd[] fds, long waitNanos, boolean mayRefuse)
            throws TransportException {
        long length = payload.byteSize();
        long total = Frame.HEADER + length;
        long deadline = waitNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + waitNanos;
        sendLock.lock();
        try {
            ensureCanSend(type);
            if (length > peerMaxMessage) {
                throw new IllegalArgumentException("message of " + length + " bytes exceeds the peer's limit of " + peerMaxMessage);
            }
            // Frames leave in order: while others wait in the queue, this one queues behind them.
            while (!queue.isEmpty() && !queue.fits(Math.min(total, queue.capacity()))) {
                long left = deadline - System.nanoTime();
                if (mayRefuse && left <= 0) {
                    return false;
                }
                sendRoom.awaitNanos(Math.min(left, WaitStrategy.CHECK_INTERVAL.toNanos()));
                ensureCanSend(type);
            }
            Frame.writeHeader(sendBuffer, 0, length, type, fds.length);
            boolean small = total <= SEND_BUFFER;
            if (small) {
                MemorySegment.copy(payload, 0, sendBuffer, Frame.HEADER, length);
            }
            long sent = 0;
            if (queue.isEmpty()) {
                sent = small ? socket.send(sendBuffer, 0, total, true, fds) : sendDirect(payload, fds);
                lastSent = System.nanoTime();
                if (sent == total) {
                    return true;
                }
            }
            Fd[] unsentFds = sent == 0 ? dup(fds) : NO_FDS;
            long rest = total - sent;
            if (rest > queue.capacity() - queue.used()) {
                // Larger than the queue could ever hold: this sender waits and writes it straight from its memory.
                writeBlocking(payload, sent, unsentFds);
                return true;
            }
            if (sent < Frame.HEADER) {
                queue.add(sendBuffer, sent, Frame.HEADER - sent, small ? sendBuffer : payload, small ? Frame.HEADER : 0, length, unsentFds);
            } else {
                long from = sent - Frame.HEADER;
                queue.add(small ? sendBuffer : payload, (small ? Frame.HEADER : 0) + from, length - from, unsentFds);
            }
            startFlusher();
            return true;
        } catch (ErrnoException e) {
            throw fail(gone("sending", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipeClosedException("interrupted while waiting to send");
        } finally {
            sendLock.unlock();
        }
    }

    /** Header (from sendBuffer) then payload, without blocking; returns the bytes the socket took. */
    private long sendDirect(MemorySegment payload, Fd[] fds) throws ErrnoException {
        long h = socket.send(sendBuffer, 0, Frame.HEADER, true, fds);
        if (h < Frame.HEADER || !payload.isNative()) {
            return h;
        }
        return h + socket.send(payload, 0, payload.byteSize(), true);
    }

    /** Writes the rest of a frame from byte {@code sent} on, waiting for the socket as long as it takes. */
    private void writeBlocking(MemorySegment payload, long sent, Fd[] fds) throws ErrnoException, TransportException {
        long total = Frame.HEADER + payload.byteSize();
        MemorySegment source = payload.isNative() ? payload : copyToNative(payload);
        while (sent < total) {
            long n = sent < Frame.HEADER
                    ? socket.send(sendBuffer, sent, Frame.HEADER - sent, true, sent == 0 ? fds : NO_FDS)
                    : socket.send(source, sent - Frame.HEADER, total - sent, true);
            if (n > 0 && sent == 0) {
                Closing.all(fds);
            }
            sent += n;
            if (n == 0) {
                ensureCanSend(Frame.DATA);
                Poll.writable(socket.fd(), (int) WaitStrategy.CHECK_INTERVAL.toMillis());
            }
        }
        lastSent = System.nanoTime();
    }

    private static MemorySegment copyToNative(MemorySegment heap) {
        MemorySegment copy = Arena.ofAuto().allocate(heap.byteSize(), 8);
        MemorySegment.copy(heap, 0, copy, 0, heap.byteSize());
        return copy;
    }

    private void ensureCanSend(int type) throws TransportException {
        TransportException f = failure;
        if (f != null) {
            throw f;
        }
        if (closed.get() && type != Frame.END) {
            throw new PipeClosedException("the pipe is closed");
        }
        if (sendingEnded) {
            throw new PipeClosedException("sending was ended on this pipe");
        }
    }

    private static Fd[] dup(Fd[] fds) throws ErrnoException {
        if (fds.length == 0) {
            return NO_FDS;
        }
        Fd[] copies = new Fd[fds.length];
        for (int i = 0; i < fds.length; i++) {
            copies[i] = fds[i].dup();
        }
        return copies;
    }

    /** Under sendLock. */
    private void startFlusher() {
        if (!flusherRunning) {
            // Made first: a factory that fails leaves no flusher believed running, and the next send tries again.
            Thread flusher = config.newThread("ipc4j-flush-" + peer.pid(), this::flush);
            flusherRunning = true;
            flusher.start();
        }
    }

    /** Drains the queue as the socket takes it; ends when the queue is empty or the pipe failed. */
    private void flush() {
        while (true) {
            boolean full;
            sendLock.lock();
            try {
                if (queue.isEmpty() || failure != null) {
                    flusherRunning = false;
                    sendRoom.signalAll();
                    return;
                }
                long n = queue.sendSome(socket);
                if (n > 0) {
                    lastSent = System.nanoTime();
                    sendRoom.signalAll();
                }
                full = n == 0;
            } catch (ErrnoException e) {
                fail(gone("sending", e));
                continue;
            } finally {
                sendLock.unlock();
            }
            if (full) {
                try {
                    Poll.writable(socket.fd(), (int) WaitStrategy.CHECK_INTERVAL.toMillis());
                } catch (ErrnoException e) {
                    fail(gone("waiting to send", e));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ receiving

    @Override
    public int poll(BlobHandler handler, int limit) throws TransportException {
        receiveLock.lock();
        try {
            int n = pollLocked(handler, limit);
            mayHaveInput = n != 0;
            if (n == 0) {
                knownEmptyAt = System.nanoTime();
            }
            return n;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public Receipt receive(BlobHandler handler, Duration timeout) throws TransportException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long slice = WaitStrategy.CHECK_INTERVAL.toNanos();
        receiveLock.lock();
        try {
            while (true) {
                // With a check interval or more to go, read blocking: one system call per message, as a plain socket
                // read; SO_RCVTIMEO ends the read after the interval so closing and failures are still seen.
                blockingRead = deadline - System.nanoTime() >= slice;
                int n;
                try {
                    n = pollLocked(handler, 1);
                } finally {
                    blockingRead = false;
                }
                if (n > 0) {
                    return Receipt.MESSAGE;
                }
                if (n == ENDED) {
                    return Receipt.ENDED;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Receipt.TIMED_OUT;
                }
                if (left < slice) {
                    awaitReadable(left);
                }
            }
        } finally {
            receiveLock.unlock();
        }
    }

    /** Waits until the socket is readable, at most {@code nanos} (rounded up to a millisecond; no allocation). */
    private void awaitReadable(long nanos) throws TransportException {
        try {
            Poll.readable(socket.fd(), (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
        } catch (ErrnoException e) {
            throw closedOr(gone("waiting to receive", e));
        }
    }

    /** Under receiveLock. */
    private int pollLocked(BlobHandler handler, int limit) throws TransportException {
        int delivered = 0;
        while (delivered < limit) {
            if (closed.get()) {
                throw closedOr(new PipeClosedException("the pipe is closed"));
            }
            if (!frameReady()) {
                break;
            }
            try {
                switch (frameType) {
                    case Frame.DATA -> {
                        if (peerEnded) {
                            throw protocol(new ProtocolException("a message after the peer's END"));
                        }
                        view.wrap(frameBuffer, frameOffset, frameLength, frameHandles);
                        frameHandles = List.of();
                        delivered++;
                        handler.onBlob(view);
                    }
                    // A frame that is not a message must not keep a blocking read going: pings arriving more often
                    // than the read's time-out would hold receive() past its deadline for as long as they come.
                    case Frame.END -> {
                        peerEnded = true;
                        blockingRead = false;
                    }
                    case Frame.PING -> blockingRead = false;
                    case Frame.HELLO -> throw protocol(new ProtocolException("a second HELLO"));
                    case Frame.RING -> {
                        takeRingSegment();
                        blockingRead = false;
                    }
                    default -> throw protocol(new ProtocolException("frame type " + frameType));
                }
            } finally {
                consumeFrame();
            }
        }
        if (delivered == 0 && peerEnded) {
            return ENDED;
        }
        if (delivered == 0 && endOfStream) {
            throw fail(new PeerGoneException("peer process " + peer.pid()
                    + " closed the connection without ending it: it died or closed abruptly"));
        }
        return delivered;
    }

    private void takeRingSegment() throws TransportException {
        if ((frameHandles.size() != 0 && frameHandles.size() != RING_FDS) || ringDecided) {
            throw protocol(new ProtocolException("a RING frame must come once, with no descriptor or " + RING_FDS
                    + " (segment, doorbells), not " + frameHandles.size()));
        }
        ringDecided = true;
        if (!frameHandles.isEmpty()) {
            ringSegment = new Fd[RING_FDS];
            for (int i = 0; i < RING_FDS; i++) {
                ringSegment[i] = Fd.adopt(frameHandles.get(i).release());
            }
            frameHandles = List.of();
        }
    }

    /**
     * Whether a whole frame is available (reading what the socket has, without waiting); if so its fields are set
     * and stay so until {@link #consumeFrame()}.
     */
    private boolean frameReady() throws TransportException {
        if (framePending) {
            return true;
        }
        try {
            while (true) {
                TransportException f = failure;
                if (f != null) {
                    throw f;
                }
                if (bigLength >= 0) {
                    if (bigFilled == bigLength) {
                        frameBuffer = big;
                        frameOffset = 0;
                        frameLength = (int) bigLength;
                        return framePending = true;
                    }
                    long n = read(big, bigFilled, bigLength - bigFilled, -1);
                    if (n <= 0) {
                        if (n == 0) {
                            throw fail(new PeerGoneException("the connection ended in the middle of a " + bigLength + "-byte frame"));
                        }
                        return false;
                    }
                    bigFilled += n;
                    continue;
                }
                long available = readEnd - readStart;
                if (available >= Frame.HEADER) {
                    long length = Frame.readLength(receiveBuffer, readStart, Math.max(Frame.HELLO_SIZE, config.maxMessageSize()));
                    frameType = Frame.type(receiveBuffer, readStart);
                    int fds = Frame.fds(receiveBuffer, readStart);
                    long at = streamRead - available; // where this frame starts in the stream
                    if (available >= Frame.HEADER + length) {
                        frameHandles = takeFds(fds, at, at + Frame.HEADER + length);
                        frameBuffer = receiveBuffer;
                        frameOffset = readStart + Frame.HEADER;
                        frameLength = (int) length;
                        return framePending = true;
                    }
                    if (Frame.HEADER + length > receiveBuffer.byteSize()) {
                        frameHandles = takeFds(fds, at, at + Frame.HEADER + length);
                        if (big == null || big.byteSize() < length) {
                            big = Arena.ofAuto().allocate(length, 64);
                        }
                        bigLength = length;
                        bigFilled = available - Frame.HEADER;
                        MemorySegment.copy(receiveBuffer, readStart + Frame.HEADER, big, 0, bigFilled);
                        readStart = readEnd = 0;
                        continue;
                    }
                }
                if (readStart > 0) {
                    MemorySegment.copy(receiveBuffer, readStart, receiveBuffer, 0, readEnd - readStart);
                    readEnd -= readStart;
                    readStart = 0;
                }
                long n = read(receiveBuffer, readEnd, receiveBuffer.byteSize() - readEnd, streamRead - (readEnd - readStart));
                if (n < 0) {
                    return false;
                }
                if (n == 0) {
                    if (readEnd > readStart) {
                        throw fail(new PeerGoneException("the connection ended in the middle of a frame"));
                    }
                    endOfStream = true;
                    return false;
                }
                readEnd += n;
            }
        } catch (ProtocolException e) {
            throw protocol(e);
        }
    }

    /** Descriptors that arrived with the read of stream bytes {@code [from, to)}. */
    private record FdBatch(long from, long to, Fd[] fds) {}

    /**
     * Reads without waiting; -1 when nothing is there, 0 at end of stream. {@code claimable} is where in the stream
     * the next frame header this read may complete starts (the first unparsed byte), or -1 while a frame's payload is
     * read (whose header claimed its descriptors already): descriptors that can belong to no frame are refused here.
     */
    private long read(MemorySegment into, long offset, long length, long claimable) throws TransportException {
        if (endOfStream) {
            return 0;
        }
        try {
            // Before reading on: a batch no frame starting in its read claimed is unclaimed for good.
            FdBatch pending = arrivedFds.peek();
            if (pending != null && (claimable < 0 || pending.to() <= claimable || arrivedFds.size() > 1)) {
                throw unclaimed();
            }
            long n = socket.receive(into, offset, length, fdScratch, !blockingRead);
            long from = streamRead;
            if (n > 0) {
                streamRead += n;
                lastReceived = System.nanoTime();
            }
            if (!fdScratch.isEmpty()) {
                arrivedFds.add(new FdBatch(from, streamRead, fdScratch.toArray(Fd[]::new)));
                fdScratch.clear();
                if (claimable < 0 || n <= 0) { // inside a payload, or with no byte to ride on
                    throw unclaimed();
                }
            }
            return n;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ECONNRESET) {
                throw fail(new PeerGoneException("peer process " + peer.pid() + " reset the connection", e));
            }
            throw closedOr(gone("receiving", e));
        }
    }

    /**
     * The descriptors of the frame at stream positions {@code [at, end)} that claims {@code count}: the batch of the
     * read that reached its first byte, exactly that many.
     */
    private List<NativeHandle> takeFds(int count, long at, long end) throws ProtocolException {
        if (count > UnixSocket.MAX_FDS) {
            throw new ProtocolException("a frame claims " + count + " descriptors; at most " + UnixSocket.MAX_FDS + " may ride on one");
        }
        FdBatch batch = arrivedFds.peek();
        if (batch != null && batch.to() <= at) {
            throw unclaimed(); // its read ended before this frame began, and no frame before claimed it
        }
        boolean ours = batch != null && batch.from() <= at;
        if (count == 0) {
            if (ours && batch.to() <= end) {
                throw unclaimed(); // its read ended inside this frame: no later frame of it can claim it
            }
            return List.of(); // a batch of this read, if any, rides on a later frame of it
        }
        if (!ours || batch.fds().length != count) {
            throw new ProtocolException("a frame claims " + count + " descriptors but " + (ours ? batch.fds().length : 0)
                    + " arrived with it");
        }
        arrivedFds.poll();
        List<NativeHandle> handles = new ArrayList<>(count);
        for (Fd fd : batch.fds()) {
            handles.add(handOut(fd));
        }
        return handles;
    }

    /** An arrived descriptor, handed out as a handle that owns it from now on. */
    private static NativeHandle handOut(Fd fd) {
        try {
            return NativeHandle.adopt(fd.release());
        } catch (ErrnoException e) {
            throw new IllegalStateException("a descriptor that arrived was closed before it was handed out: " + fd, e);
        }
    }

    /** Descriptors no frame claims: closed now, and the peer is in breach of the protocol. */
    private ProtocolException unclaimed() {
        int n = 0;
        for (FdBatch b : arrivedFds) {
            n += b.fds().length;
            Closing.all(b.fds());
        }
        arrivedFds.clear();
        return new ProtocolException(n + " descriptors arrived that no frame claims (closed)");
    }

    private void consumeFrame() {
        if (!framePending) {
            return;
        }
        framePending = false;
        Closing.all(frameHandles); // handles the handler did not take over (e.g. control frames)
        frameHandles = List.of();
        if (bigLength >= 0) {
            bigLength = -1;
            if (big.byteSize() > 4L * RECEIVE_BUFFER) {
                big = null; // let a rare huge buffer go
            }
        } else {
            readStart += Frame.HEADER + frameLength;
            if (readStart == readEnd) {
                readStart = readEnd = 0;
            }
        }
    }

    /**
     * Waits for the peer's RING frame; returns the descriptors it offered (the segment, this side's doorbell, the
     * peer's doorbell; ownership passes to the caller), or null when it chose a socket-only channel.
     */
    Fd[] takeRingSegment(Duration timeout) throws TransportException {
        long deadline = System.nanoTime() + timeout.toNanos();
        receiveLock.lock();
        try {
            while (!ringDecided) {
                if (!frameReady()) {
                    if (endOfStream) {
                        throw fail(new PeerGoneException("the peer closed the connection before offering its ring"));
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new PeerGoneException("the peer offered no ring within " + timeout);
                    }
                    awaitReadable(left);
                    continue;
                }
                try {
                    switch (frameType) {
                        case Frame.RING -> takeRingSegment();
                        case Frame.PING -> { }
                        default -> throw protocol(new ProtocolException("expected the RING frame, got type " + frameType));
                    }
                } finally {
                    consumeFrame();
                }
            }
            Fd[] fds = ringSegment;
            ringSegment = null;
            return fds;
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * Tells the peer where data flows: the ring's descriptors (segment, the peer's doorbell, ours; they ride on the
     * header), or null for the socket.
     */
    void offerRingSegment(Fd[] ring) throws TransportException {
        sendFrame(Frame.RING, MemorySegment.NULL, ring == null ? NO_FDS : ring, -1, false);
    }

    /**
     * For a driver about to sleep: false when a frame (or the end, or a failure) is here already; else registers the
     * socket in {@code waits}.
     */
    @Override
    public boolean prepareToSleep(WaitSet waits, Waiter waiter) {
        receiveLock.lock();
        try {
            sleepingIn = null;
            if (closed.get() || failure != null || endOfStream || peerEnded || wholeFrameBuffered()) {
                return false;
            }
            socketIndex = waits.add(socket.fd());
            sleepingIn = waits;
            sleepingSince = waits.awaits();
            return true;
        } catch (ProtocolException | ErrnoException e) {
            return false; // the next poll reports it
        } finally {
            receiveLock.unlock();
        }
    }

    /** Whether a whole frame waits in our buffer already (no system call: the driver's poll asks the kernel). */
    private boolean wholeFrameBuffered() throws ProtocolException {
        if (framePending) {
            return true;
        }
        if (bigLength >= 0) {
            return bigFilled == bigLength;
        }
        long available = readEnd - readStart;
        return available >= Frame.HEADER && available >= Frame.HEADER
                + Frame.readLength(receiveBuffer, readStart, Math.max(Frame.HELLO_SIZE, config.maxMessageSize()));
    }

    @Override
    public void awoke(Waiter waiter) {
        receiveLock.lock();
        try {
            if (sleepingIn != null && sleepingIn.awaits() != sleepingSince) { // slept: the kernel said what it holds
                if (sleepingIn.ready(socketIndex)) {
                    mayHaveInput = true;
                } else {
                    knownEmptyAt = System.nanoTime();
                }
            }
            sleepingIn = null;
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * False only when the last {@link #poll} found nothing and no sleep since has seen the socket readable: a driver
     * that polls this pipe in every cycle (a busy runner) may then skip the read system call, looking again after
     * its next sleep or at an interval of its own. Bytes are never lost by skipping: the socket stays readable.
     */
    @Override
    public boolean mayHaveInput() {
        return mayHaveInput || framePending;
    }

    @Override
    public long knownEmptyAt() {
        return knownEmptyAt;
    }

    /** The socket: the channel takes the peer's pidfd from it, and tests drop it as a dying process would. */
    UnixSocket socket() {
        return socket;
    }

    @Override
    public CompletableFuture<Void> deliverTo(BlobHandler handler, Executor executor) {
        return Delivery.start(this, handler, executor, config.threadFactory());
    }

    @Override
    public CompletableFuture<Void> deliverTo(BlobHandler handler, Executor executor, ThreadFactory threadFactory) {
        return Delivery.start(this, handler, executor, threadFactory);
    }

    // ------------------------------------------------------------------------------------------------ closing

    @Override
    public boolean isOpen() {
        return !closed.get() && failure == null;
    }

    /**
     * Sends END after everything queued (waiting up to 5 s for the queue to drain, or until the peer is gone), wakes
     * our threads blocked on the pipe, and releases the socket. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (keepAliveTask != null) {
            keepAliveTask.cancel(false);
        }
        sendLock.lock();
        try {
            if (!sendingEnded && failure == null && helloSeen) {
                sendFrame(Frame.END, MemorySegment.NULL, NO_FDS, -1, false);
                sendingEnded = true;
            }
            long deadline = System.nanoTime() + CLOSE_FLUSH_NANOS;
            while (!queue.isEmpty() && failure == null && deadline - System.nanoTime() > 0) {
                sendRoom.awaitNanos(WaitStrategy.CHECK_INTERVAL.toNanos());
            }
        } catch (TransportException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "END not sent on close", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sendLock.unlock();
        }
        try {
            socket.shutdown();
        } catch (ErrnoException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "shutdown on close", e);
        }
        boolean quiet = false;
        try {
            quiet = receiveLock.tryLock(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            sendLock.lock();
            try {
                if (failure == null) {
                    failure = new PipeClosedException("the pipe is closed");
                }
                queue.clear();
                sendRoom.signalAll();
            } finally {
                sendLock.unlock();
            }
            for (FdBatch b : arrivedFds) {
                Closing.all(b.fds());
            }
            arrivedFds.clear();
            Closing.all(frameHandles);
            if (ringSegment != null) {
                Closing.all(ringSegment);
            }
            Closing.quietly(socket);
            if (quiet) {
                arena.close();
            }
        } finally {
            if (quiet) {
                receiveLock.unlock();
            }
        }
    }

    /**
     * Declares the peer gone (e.g. the session's keep-alive expired while its process still exists): every waiting
     * sender and receiver wakes and fails with {@code cause}, and so does every later call. Still needs {@link #close()}.
     */
    void abort(PeerGoneException cause) {
        fail(cause);
    }

    /** Records the first failure, wakes every thread blocked on the socket, and returns the failure to throw. */
    private TransportException fail(TransportException e) {
        if (failure == null) {
            synchronized (this) {
                if (failure == null) {
                    failure = e;
                }
            }
            try {
                socket.shutdown();
            } catch (ErrnoException | RuntimeException ignored) {
                // already closed: nothing to wake
            }
        }
        return failure;
    }

    private TransportException protocol(ProtocolException e) {
        fail(e);
        return e;
    }

    private TransportException closedOr(TransportException e) {
        if (failure instanceof PeerGoneException declared) {
            return declared; // aborted before it was closed: the peer's death is the news
        }
        return closed.get() ? new PipeClosedException("the pipe is closed") : fail(e);
    }

    private PeerGoneException gone(String doing, ErrnoException e) {
        String why = e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET
                ? "peer process " + peer.pid() + " is gone (" + doing + ": " + e.getMessage() + ")"
                : doing + " failed: " + e.getMessage();
        return new PeerGoneException(why, e);
    }

    @Override
    public String toString() {
        return "SocketPipe[peer " + peer.pid() + (closed.get() ? ", closed]" : "]");
    }
}
