package dev.ipc4j.transport;

import static dev.ipc4j.transport.RingLayout.TYPE_BEGIN;
import static dev.ipc4j.transport.RingLayout.TYPE_DATA;
import static dev.ipc4j.transport.RingLayout.TYPE_END;
import static dev.ipc4j.transport.RingLayout.TYPE_MIDDLE;
import static dev.ipc4j.transport.RingLayout.TYPE_PADDING;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.os.PidFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link BlobPipe} over two single-producer single-consumer rings in one shared memfd (layout: {@link RingLayout}).
 * A message is copied once into the ring by the sender and read in place by the receiver; messages larger than a
 * quarter of the ring travel as fragments and are reassembled. Waiting follows the {@link WaitStrategy}; a sleeping
 * side is woken by the other only when it actually sleeps. The peer's death (its pidfd) is noticed by every wait
 * within {@link WaitStrategy#CHECK_INTERVAL}.
 *
 * <p>Made by {@link Channel}, which passes the memfd over the channel's socket.
 */
public final class RingPipe implements BlobPipe {
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(RingPipe.class.getName());
    }
    private static final long CLOSE_WAIT_SECONDS = 5;
    /** A waiting receive looks at more than the next header word every this many idle steps (a power of two). */
    private static final int CHECK_STEPS = 64;

    /**
     * @param capacity bytes per direction (a power of two, 4 KiB to 1 GiB)
     * @param waitStrategy how this side waits
     * @param maxMessageSize the largest message this side accepts (fragments beyond it are a protocol error)
     */
    public record Config(long capacity, WaitStrategy waitStrategy, int maxMessageSize) {
        public static final Config DEFAULT = new Config(1 << 20, WaitStrategy.backoff(), 64 << 20);

        public Config {
            if (Long.bitCount(capacity) != 1 || capacity < RingLayout.MIN_CAPACITY || capacity > RingLayout.MAX_CAPACITY) {
                throw new IllegalArgumentException("ring capacity must be a power of two from 4 KiB to 1 GiB: " + capacity);
            }
            if (maxMessageSize < 0) {
                throw new IllegalArgumentException("maxMessageSize must not be negative: " + maxMessageSize);
            }
            java.util.Objects.requireNonNull(waitStrategy, "waitStrategy");
        }

        /** A copy with {@code capacity} replaced, checked like the rest. */
        public Config withCapacity(long capacity) {
            return new Config(capacity, waitStrategy, maxMessageSize);
        }

        /** A copy with {@code waitStrategy} replaced, checked like the rest. */
        public Config withWait(WaitStrategy waitStrategy) {
            return new Config(capacity, waitStrategy, maxMessageSize);
        }

        /** A copy with {@code maxMessageSize} replaced, checked like the rest. */
        public Config withMaxMessageSize(int maxMessageSize) {
            return new Config(capacity, waitStrategy, maxMessageSize);
        }
    }

    private final Mapping mapping;
    private final Ring out;
    private final Ring in;
    private final Config config;
    private final PeerWatch peer;
    private final PipeLock sendLock = new PipeLock();
    private final PipeLock receiveLock = new PipeLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Idler sendIdler;
    private final Idler receiveIdler;
    private final BlobView view = new BlobView();
    private boolean sendingEnded;
    /** The only thread that sends, once {@link #bindSender()} was called; null while sends are shared (locked). */
    private volatile Thread boundSender;
    private MemorySegment assembly;
    private long assembled = -1;

    private final EventFd[] myBells;   // one per Waiter: the peer rings them
    private final EventFd[] peerBells; // one per Waiter: we ring them
    // Each waiter's sleep (prepareToSleep .. awoke): where its doorbell sits in its WaitSet, to look at it after.
    private final WaitSet[] sleepingIn = new WaitSet[2];
    private final int[] pidIndex = {-1, -1};
    private volatile boolean checkPeerNow;

    private RingPipe(Mapping mapping, int outRing, Config config, PidFd peer, EventFd[] myBells, EventFd[] peerBells)
            throws ProtocolException {
        this.mapping = mapping;
        this.config = config;
        this.peer = new PeerWatch(peer);
        this.myBells = myBells;
        this.peerBells = peerBells;
        MemorySegment s = mapping.segment();
        long capacity = s.get(ValueLayout.JAVA_LONG, RingLayout.HEADER_CAPACITY);
        this.out = ring(s, outRing, capacity, peerBells);
        this.in = ring(s, 1 - outRing, capacity, myBells);
        this.sendIdler = new Idler(config.waitStrategy());
        this.receiveIdler = new Idler(config.waitStrategy());
        out.attachProducer(config.waitStrategy().mayPark());
        in.attachConsumer(config.waitStrategy().mayPark());
    }

    private static Ring ring(MemorySegment s, int index, long capacity, EventFd[] consumerBells) {
        return new Ring(s.asSlice(RingLayout.control(index), RingLayout.CONTROL_SIZE),
                s.asSlice(RingLayout.data(index, capacity), capacity), consumerBells);
    }

    /** The doorbells of one side, one per {@link Waiter}. */
    private static EventFd[] bells() throws ErrnoException {
        EventFd[] bells = new EventFd[Waiter.values().length];
        try {
            for (int i = 0; i < bells.length; i++) {
                bells[i] = EventFd.create();
            }
            return bells;
        } catch (ErrnoException e) {
            Closing.all(bells);
            throw e;
        }
    }

    /**
     * Creates the segment (ring 0 carries our messages) and the doorbells. {@code offer} receives what the caller
     * sends the peer in the RING frame ({@link SocketPipe#RING_FDS}): the segment (the caller closes it after
     * sending), the peer's doorbells and ours (owned by the pipe), each pair in {@link Waiter} order.
     */
    static RingPipe create(Config config, Fd[] offer, PidFd peer) throws ErrnoException, ProtocolException {
        long size = RingLayout.segmentSize(config.capacity());
        Fd fd = MemFd.create("ipc4j.ring", size);
        EventFd[] mine = null;
        EventFd[] theirs = null;
        try {
            mine = bells();
            theirs = bells();
            MemFd.seal(fd, MemFd.SEAL_SIZE);
            Mapping mapping = Mapping.map(fd, size, false);
            MemorySegment s = mapping.segment();
            s.set(ValueLayout.JAVA_LONG, RingLayout.HEADER_MAGIC, RingLayout.MAGIC);
            s.set(ValueLayout.JAVA_INT, RingLayout.HEADER_VERSION, RingLayout.VERSION);
            s.set(ValueLayout.JAVA_LONG, RingLayout.HEADER_CAPACITY, config.capacity());
            offer[0] = fd;
            offer[1] = theirs[0].fd();
            offer[2] = theirs[1].fd();
            offer[3] = mine[0].fd();
            offer[4] = mine[1].fd();
            return new RingPipe(mapping, 0, config, peer, mine, theirs);
        } catch (ErrnoException | RuntimeException e) {
            fd.close();
            Closing.all(mine);
            Closing.all(theirs);
            throw e;
        }
    }

    /**
     * A pipe over a mapping already made (tests hand it corrupted rings), with doorbells of its own (nobody rings
     * them: its waits end by their timeouts); it owns {@code mapping} and {@code peer}.
     */
    static RingPipe over(Mapping mapping, int outRing, Config config, PidFd peer) throws ProtocolException, ErrnoException {
        EventFd[] mine = null;
        EventFd[] theirs = null;
        try {
            mine = bells();
            theirs = bells();
            return new RingPipe(mapping, outRing, config, peer, mine, theirs);
        } catch (ErrnoException | RuntimeException e) {
            Closing.all(mine);
            Closing.all(theirs);
            mapping.close();
            peer.close();
            throw e;
        }
    }

    /**
     * Maps a segment the peer created (ring 1 carries our messages), checking everything about it first.
     * {@code ring} is what the RING frame brought: the segment (left to the caller), this side's doorbell and the
     * peer's (owned by the pipe on success, left to the caller on failure).
     */
    static RingPipe attach(Fd[] ring, Config config, PidFd peer) throws TransportException {
        Fd segment = ring[0];
        try {
            EventFd[] mine;
            EventFd[] theirs;
            try {
                mine = new EventFd[] {EventFd.adopt(ring[1]), EventFd.adopt(ring[2])};
                theirs = new EventFd[] {EventFd.adopt(ring[3]), EventFd.adopt(ring[4])};
            } catch (ErrnoException e) {
                throw new ProtocolException("the peer's ring doorbells are unusable: " + e.getMessage());
            }
            MemFd.requireSealedSize(segment);
            long size = segment.stat().size();
            if (size < RingLayout.DATA_START) {
                throw new ProtocolException("ring segment of " + size + " bytes is smaller than its header");
            }
            Mapping mapping = Mapping.map(segment, size, false);
            MemorySegment s = mapping.segment();
            long magic = s.get(ValueLayout.JAVA_LONG, RingLayout.HEADER_MAGIC);
            int version = s.get(ValueLayout.JAVA_INT, RingLayout.HEADER_VERSION);
            long capacity = s.get(ValueLayout.JAVA_LONG, RingLayout.HEADER_CAPACITY);
            String problem = magic != RingLayout.MAGIC ? "bad magic 0x" + Long.toHexString(magic)
                    : version != RingLayout.VERSION ? "ring version " + version + " (we speak " + RingLayout.VERSION + ")"
                    : Long.bitCount(capacity) != 1 || capacity < RingLayout.MIN_CAPACITY || capacity > RingLayout.MAX_CAPACITY
                            || RingLayout.segmentSize(capacity) != size ? "capacity " + capacity + " does not fit a segment of " + size
                    : null;
            if (problem != null) {
                mapping.close();
                throw new ProtocolException("peer's ring segment rejected: " + problem);
            }
            try {
                return new RingPipe(mapping, 1, config.withCapacity(capacity), peer, mine, theirs);
            } catch (ProtocolException e) {
                mapping.close();
                throw e;
            }
        } catch (ErrnoException e) {
            throw new ProtocolException("peer's ring segment cannot be used: " + e.getMessage());
        }
    }

    /** What this pipe was built with. */
    public Config config() {
        return config;
    }

    // ------------------------------------------------------------------------------------------------ sending

    @Override
    public void send(MemorySegment message) throws TransportException {
        send(message, -1, false);
    }

    @Override
    public boolean trySend(MemorySegment message) throws TransportException {
        return send(message, 0, true);
    }

    @Override
    public boolean trySend(MemorySegment message, Duration timeout) throws TransportException {
        return send(message, Math.max(0, timeout.toNanos()), true);
    }

    /**
     * @param waitNanos how long to wait for room for the first record; -1 for as long as the peer lives. Once a
     *     fragmented message has begun, the rest waits without limit: a half-sent message would corrupt the stream.
     */
    private boolean send(MemorySegment message, long waitNanos, boolean mayFail) throws TransportException {
        long length = message.byteSize();
        if (length > config.maxMessageSize()) {
            throw new IllegalArgumentException("message of " + length + " bytes exceeds maxMessageSize " + config.maxMessageSize());
        }
        long deadline = waitNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + waitNanos;
        boolean locked = lockUnlessBound();
        try {
            ensureCanSend();
            int max = out.maxRecordPayload();
            if (length <= max) {
                long at = out.tryClaim((int) length); // room now: the common case, no wait set up
                if (at < 0 && (at = reserve((int) length, deadline)) < 0) {
                    return false;
                }
                MemorySegment.copy(message, 0, out.data(), at, length);
                out.commit(TYPE_DATA);
                return true;
            }
            for (long done = 0; done < length; ) {
                int chunk = (int) Math.min(max, length - done);
                long at = reserve(chunk, done == 0 ? deadline : Long.MAX_VALUE);
                if (at < 0) {
                    return false;
                }
                MemorySegment.copy(message, done, out.data(), at, chunk);
                done += chunk;
                out.commit(done == chunk ? TYPE_BEGIN : done == length ? TYPE_END : TYPE_MIDDLE);
            }
            return true;
        } catch (ErrnoException e) {
            throw failed(e);
        } catch (IllegalStateException e) {
            throw closedMeanwhile(e);
        } finally {
            if (locked) {
                sendLock.unlock();
            }
        }
    }

    /**
     * The right to send: nothing to take for the thread the sends are {@linkplain #bindSender() bound} to (false), else
     * the send lock (true: the caller unlocks).
     *
     * @throws IllegalStateException when the sends are bound to another thread, or the bound thread has a claim open
     */
    private boolean lockUnlessBound() {
        Thread bound = boundSender;
        if (bound == null) {
            sendLock.lock();
            if (boundSender == null) {
                return true;
            }
            sendLock.unlock(); // bound while we waited for the lock
            bound = boundSender;
        }
        if (bound != Thread.currentThread()) {
            throw new IllegalStateException("the sends of this pipe are bound to thread " + bound.getName());
        }
        if (sendLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread has a claim open on this pipe: commit or abort it first");
        }
        return false;
    }

    /**
     * From now on only the calling thread sends on this pipe ({@code send}, {@code trySend}, {@code claim},
     * {@code endSending}), and its sends take no lock. The lock's atomic instruction drains the store buffer before
     * every message, so it keeps a sender from overlapping the cache-line transfers of consecutive messages: bound,
     * one-way throughput about doubles (as Aeron's {@code ExclusivePublication} against its concurrent one). Another
     * thread's send then fails with {@link IllegalStateException}, never corrupts the ring. There is no unbinding: a
     * pipe whose sends move between threads stays unbound. {@link #close()} may still come from any thread (a send
     * it interrupts fails with {@link PipeClosedException}). Idempotent on the bound thread.
     *
     * @throws IllegalStateException when the sends are bound to another thread already, or this thread has a claim open
     */
    public void bindSender() {
        if (sendLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread has a claim open on this pipe: commit or abort it first");
        }
        sendLock.lock();
        try {
            Thread bound = boundSender;
            if (bound != null && bound != Thread.currentThread()) {
                throw new IllegalStateException("the sends of this pipe are bound to thread " + bound.getName());
            }
            boundSender = Thread.currentThread();
        } finally {
            sendLock.unlock();
        }
    }

    /** Reserves room for {@code length} bytes, waiting until {@code deadline}; -1 when it passed. */
    private long reserve(int length, long deadline) throws TransportException, ErrnoException {
        sendIdler.reset();
        boolean parked = false;
        while (true) {
            long at = out.tryClaim(length);
            if (at >= 0) {
                return at;
            }
            ensureCanSend();
            if (out.consumerClosed()) {
                throw new PipeClosedException("the peer closed the pipe: it receives no more");
            }
            if (peer.gone(parked)) {
                throw peer.goneException("peer process " + peer.pid() + " died while we waited to send");
            }
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                return -1;
            }
            parked = sendIdler.idle();
            if (parked) {
                out.parkProducer(out.bytesNeeded(length), Math.min(deadline - now, WaitStrategy.CHECK_INTERVAL.toNanos()));
            }
        }
    }

    private void ensureCanSend() throws TransportException {
        if (closed.get()) {
            throw closedError();
        }
        peer.ensureNotDeclaredGone();
        if (sendingEnded) {
            throw new PipeClosedException("sending was ended on this pipe");
        }
    }

    @Override
    public void endSending() throws TransportException {
        boolean locked = lockUnlessBound();
        try {
            if (!sendingEnded && !closed.get()) {
                sendingEnded = true;
                out.endProducing();
            }
        } catch (ErrnoException e) {
            throw failed(e);
        } catch (IllegalStateException e) {
            throw closedMeanwhile(e);
        } finally {
            if (locked) {
                sendLock.unlock();
            }
        }
    }

    /**
     * Reserves room for a message of {@code length} bytes in the ring, waiting for it as {@link #send} does, so the
     * caller can write the message in place (no copy at all) and then {@link Claim#commit()} it. Until then, other
     * senders of this pipe wait; commit or abort on the same thread, promptly.
     *
     * @throws IllegalArgumentException when {@code length} exceeds {@link #maxClaim()} (claims are never fragmented)
     */
    public Claim claim(int length) throws TransportException {
        return openClaim(length, -1);
    }

    /** As {@link #claim(int)}, but returns null at once when there is no room now. */
    public Claim tryClaim(int length) throws TransportException {
        return openClaim(length, 0);
    }

    /** The largest message one {@link Claim} can hold: a quarter of the ring, less a record header. */
    public int maxClaim() {
        return out.maxRecordPayload();
    }

    private Claim openClaim(int length, long waitNanos) throws TransportException {
        if (length < 0 || length > out.maxRecordPayload()) {
            throw new IllegalArgumentException("a claim holds 0 to " + out.maxRecordPayload() + " bytes, not " + length);
        }
        if (sendLock.isHeldByCurrentThread()) {
            throw new IllegalStateException("this thread holds a claim on this pipe already: commit or abort it first");
        }
        Thread bound = boundSender;
        if (bound != null && bound != Thread.currentThread()) {
            throw new IllegalStateException("the sends of this pipe are bound to thread " + bound.getName());
        }
        sendLock.lock(); // also for the bound thread: the open claim is the lock held
        boolean handedOut = false;
        try {
            ensureCanSend();
            long at = reserve(length, waitNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + waitNanos);
            if (at < 0) {
                return null;
            }
            theClaim.open(at, length);
            handedOut = true;
            return theClaim;
        } catch (ErrnoException e) {
            throw failed(e);
        } finally {
            if (!handedOut) {
                sendLock.unlock();
            }
        }
    }

    private final Claim theClaim = new Claim();

    /**
     * Room for one message inside the ring, to be written in place. One object per pipe, reused: valid from
     * {@link #claim} until {@link #commit()} or {@link #abort()}.
     */
    public final class Claim {
        private long offset = -1;
        private int length;

        private Claim() {}

        void open(long offset, int length) {
            this.offset = offset;
            this.length = length;
        }

        /** The ring's memory; the message goes at {@link #offset()}, {@link #length()} bytes. */
        public MemorySegment buffer() {
            check();
            return out.data();
        }

        /** Where in {@link #buffer()} the message goes. */
        public long offset() {
            check();
            return offset;
        }

        /** Bytes claimed for the message. */
        public int length() {
            check();
            return length;
        }

        /** The claimed bytes as their own segment (a slice: allocates a small object). */
        public MemorySegment segment() {
            check();
            return out.data().asSlice(offset, length);
        }

        /** Publishes the message to the peer. */
        public void commit() throws TransportException {
            finish(true);
        }

        /** Gives the room back: the peer skips it and sees no message. */
        public void abort() throws TransportException {
            finish(false);
        }

        private void finish(boolean publish) throws TransportException {
            check();
            try {
                if (publish) {
                    out.commit(TYPE_DATA);
                } else {
                    out.abort();
                }
            } catch (ErrnoException e) {
                throw failed(e);
            } finally {
                offset = -1;
                sendLock.unlock();
            }
        }

        private void check() {
            if (offset < 0 || !sendLock.isHeldByCurrentThread()) {
                throw new IllegalStateException("no open claim on this thread");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ receiving

    /**
     * {@inheritDoc}
     *
     * <p>When nothing is waiting it also looks (cheaply, throttled; at once after a driver's sleep ended on the
     * peer's pidfd) whether the peer died or was declared gone, and then fails as {@link #receive} does.
     */
    @Override
    public int poll(BlobHandler handler, int limit) throws TransportException {
        receiveLock.lock();
        try {
            if (closed.get()) {
                throw closedError();
            }
            int n = pollLocked(handler, limit);
            if (n == 0) {
                boolean force = checkPeerNow;
                checkPeerNow = false;
                try {
                    if (peer.gone(force)) {
                        n = pollLocked(handler, limit); // published just before it died
                        if (n == 0) {
                            throw peer.goneException("peer process " + peer.pid() + " died");
                        }
                    }
                } catch (ErrnoException e) {
                    throw failed(e);
                }
            }
            return n;
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * For a driver about to sleep on many descriptors: tells the peer that {@code waiter} sleeps (the peer then rings
     * that waiter's doorbell, and only it) and registers that doorbell; after a sleep it did not end, the next
     * {@link #poll} looks at the peer's pidfd if it was not looked at for {@link PeerWatch#AFTER_SLEEP_CHECK_NANOS}
     * (sleeps last at most {@link WaitStrategy#CHECK_INTERVAL}); false when a message (or
     * the end) is here already, or the pipe is closed or its peer declared gone (the next {@link #poll} reports
     * that). {@link #awoke(Waiter)} must follow.
     */
    @Override
    public boolean prepareToSleep(WaitSet waits, Waiter waiter) {
        int w = waiter.ordinal();
        receiveLock.lock();
        try {
            sleepingIn[w] = null;
            pidIndex[w] = -1;
            if (closed.get()) {
                return false;
            }
            peer.ensureNotDeclaredGone();
            boolean sleep = in.armConsumer(waiter);
            sleepingIn[w] = waits;
            if (sleep) {
                // The doorbell only: the peer's pidfd is looked at after any sleep the doorbell did not end (a
                // pidfd in every poll costs the hot path a wait-queue registration per sleep).
                pidIndex[w] = waits.add(myBells[w].fd());
            }
            return sleep;
        } catch (ErrnoException | PeerGoneException | IllegalStateException e) {
            return false;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public void awoke(Waiter waiter) {
        int w = waiter.ordinal();
        receiveLock.lock();
        try {
            boolean slept = sleepingIn[w] != null && pidIndex[w] >= 0;
            boolean rung = slept && sleepingIn[w].ready(pidIndex[w]);
            if (slept && !rung && peer.checkDue()) {
                // Woken by something else (another pipe of the runner: then not on every wake-up), or by the time
                // limit: is the peer still there?
                checkPeerNow = true;
            }
            sleepingIn[w] = null;
            pidIndex[w] = -1;
            if (!closed.get()) {
                in.disarmConsumer(waiter, rung || !slept);
            }
        } catch (ErrnoException | IllegalStateException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "disarming the ring's doorbell", e);
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public boolean watchRunnerBell(WaitSet waits) {
        receiveLock.lock();
        try {
            if (closed.get()) {
                return false;
            }
            waits.add(myBells[Waiter.RUNNER.ordinal()].fd());
            return true;
        } catch (ErrnoException e) {
            return false;
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public void unwatchRunnerBell() {
        receiveLock.lock();
        try {
            if (!closed.get()) {
                myBells[Waiter.RUNNER.ordinal()].drain();
            }
        } catch (ErrnoException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "reading the runner's doorbell empty", e);
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public void withdrawRunner() {
        receiveLock.lock();
        try {
            if (!closed.get()) {
                in.withdrawRunner();
            }
        } finally {
            receiveLock.unlock();
        }
    }

    @Override
    public Receipt receive(BlobHandler handler, Duration timeout) throws TransportException {
        receiveLock.lock();
        try {
            if (closed.get()) {
                throw closedError();
            }
            int first = pollLocked(handler, 1); // the common case when busy: no clock read at all
            if (first != 0) {
                return first > 0 ? Receipt.MESSAGE : Receipt.ENDED;
            }
            // The clock is first read at the first full look, CHECK_STEPS spinning steps in (under a microsecond, a
            // tiny part of any timeout; at once for a zero timeout): a caller that has just sent a request is then
            // spinning already when the answer may come.
            long timeoutNanos = Math.max(0, timeout.toNanos());
            long deadline = 0;
            boolean started = false;
            receiveIdler.reset();
            boolean parked = false;
            boolean parkNow = false;
            for (int step = timeoutNanos == 0 ? 0 : 1; ; step++) {
                // A spinning step costs one look at the header word; the rest (close, end of stream, the peer's death,
                // the clock) is looked at when a record is there, every CHECK_STEPS steps, after a park, and before one.
                if (!parked && (step & (CHECK_STEPS - 1)) != 0 && !in.hasRecord()) {
                    parkNow = receiveIdler.idle();
                    if (!parkNow) {
                        continue;
                    }
                }
                if (closed.get()) {
                    // Closed while we waited (we hold the receive lock, so the ring is still mapped): if the peer had
                    // ended and everything was read, that is the end of the stream, not an error.
                    if (in.producerEnded() && !in.hasRecord()) {
                        return Receipt.ENDED;
                    }
                    throw closedError();
                }
                int n = pollLocked(handler, 1);
                if (n > 0) {
                    return Receipt.MESSAGE;
                }
                if (n == ENDED) {
                    return Receipt.ENDED;
                }
                if (peer.gone(parked)) {
                    if (pollLocked(handler, 1) > 0) { // published just before it died
                        return Receipt.MESSAGE;
                    }
                    throw peer.goneException("peer process " + peer.pid() + " died");
                }
                long now = System.nanoTime();
                if (!started) {
                    started = true;
                    deadline = now + timeoutNanos;
                }
                if (now - deadline >= 0) {
                    return Receipt.TIMED_OUT;
                }
                parked = parkNow || receiveIdler.idle();
                parkNow = false;
                if (parked) {
                    in.parkConsumer(Math.min(deadline - now, WaitStrategy.CHECK_INTERVAL.toNanos()));
                }
            }
        } catch (ErrnoException e) {
            throw failed(e);
        } finally {
            receiveLock.unlock();
        }
    }

    /**
     * Hands up to {@code limit} committed records to {@code handler}, each read in place, then hands their bytes back
     * to the producer with one HEAD store (and at most one wake-up) for the whole batch.
     */
    private int pollLocked(BlobHandler handler, int limit) throws TransportException {
        try {
            int delivered = 0;
            try {
                int type;
                while (delivered < limit && (type = in.readRecord()) != Ring.NONE) {
                    try {
                        if (type == TYPE_DATA) {
                            if (assembled >= 0) {
                                throw new ProtocolException("a whole message arrived in the middle of a fragmented one");
                            }
                            view.wrap(in.data(), in.payloadOffset(), in.lastLength(), List.of());
                            delivered++;
                            handler.onBlob(view);
                        } else if (type != TYPE_PADDING && assemble(type) && handlerGetsAssembly(handler)) {
                            delivered++;
                        }
                    } finally {
                        in.advance(); // local: the record is consumed even when its handler threw
                    }
                    if (closed.get()) { // a handler closed the pipe: the ring is gone
                        return delivered;
                    }
                }
            } finally {
                if (!closed.get()) {
                    in.publishHead();
                }
            }
            if (delivered == 0 && in.producerEnded() && !in.hasRecord()) {
                return ENDED;
            }
            return delivered;
        } catch (ProtocolException e) {
            close();
            throw e;
        } catch (ErrnoException e) {
            throw failed(e);
        } catch (IllegalStateException e) {
            if (closed.get()) { // the handler closed the pipe under our feet: the mapping is gone
                throw closedMeanwhile(e);
            }
            throw e;
        }
    }

    /** Adds a fragment; true when it completed a message. */
    private boolean assemble(int type) throws ProtocolException {
        if ((type == TYPE_BEGIN) != (assembled < 0)) {
            throw new ProtocolException("fragment of type " + type + " out of sequence");
        }
        long length = in.lastLength();
        long start = type == TYPE_BEGIN ? 0 : assembled;
        if (start + length > config.maxMessageSize()) {
            throw new ProtocolException("fragmented message exceeds maxMessageSize " + config.maxMessageSize());
        }
        if (assembly == null || assembly.byteSize() < start + length) {
            long size = Math.max(start + length, assembly == null ? 1 << 16 : Math.min(config.maxMessageSize(), assembly.byteSize() * 2));
            MemorySegment bigger = Arena.ofAuto().allocate(Math.max(size, start + length), 64);
            if (assembly != null && start > 0) {
                MemorySegment.copy(assembly, 0, bigger, 0, start);
            }
            assembly = bigger;
        }
        MemorySegment.copy(in.data(), in.payloadOffset(), assembly, start, length);
        assembled = start + length;
        return type == TYPE_END;
    }

    private boolean handlerGetsAssembly(BlobHandler handler) {
        long length = assembled;
        assembled = -1;
        view.wrap(assembly, 0, (int) length, List.of());
        handler.onBlob(view);
        return true;
    }

    @Override
    public CompletableFuture<Void> deliverTo(BlobHandler handler, Executor executor, ThreadFactory threadFactory) {
        return Delivery.start(this, handler, executor, threadFactory);
    }

    // ------------------------------------------------------------------------------------------------ closing

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Declares the peer gone (e.g. its keep-alive expired while its process still exists): every waiting sender and
     * receiver wakes and fails with {@code cause}, and so does every later send or wait. {@link #close()} is still
     * needed to release the pipe.
     */
    void abort(PeerGoneException cause) {
        peer.declareGone(cause);
        if (closed.get()) {
            return;
        }
        try {
            in.wakeConsumer();
            out.wakeProducer();
        } catch (ErrnoException | IllegalStateException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "waking the ring's waiters on abort", e);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            out.endProducing();
            in.closeConsuming();
            in.wakeConsumer();
            out.wakeProducer();
        } catch (ErrnoException | IllegalStateException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "waking the ring's waiters on close", e);
        }
        // Our own threads leave the ring when they see the flag; only then may the memory go away.
        boolean quiet = false;
        try {
            if (sendLock.tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                try {
                    if (receiveLock.tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                        receiveLock.unlock();
                        quiet = true;
                    }
                } finally {
                    sendLock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (quiet) {
            mapping.close();
        } else {
            Log.LOG.log(System.Logger.Level.WARNING, "a thread stayed inside a ring pipe for " + CLOSE_WAIT_SECONDS
                    + " s after close (a handler that does not return?); its mapping is left to the process's end");
        }
        try {
            peer.close();
        } catch (ErrnoException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "closing the peer's pidfd", e);
        }
        if (quiet) { // a thread stuck inside may still ring or drain them
            Closing.all(myBells);
            Closing.all(peerBells);
        }
    }

    /** Why a closed pipe refuses: the peer declared gone (the session closed it for that), else just closed. */
    private TransportException closedError() {
        try {
            peer.ensureNotDeclaredGone();
        } catch (PeerGoneException gone) {
            return gone;
        }
        return new PipeClosedException("the pipe is closed");
    }

    /**
     * How many bytes this side has published into its outgoing ring so far: monotonic, so a sender that reads it after
     * {@code send} returns gets a position at or after the end of its message. With {@link #peerConsumedPosition()}
     * it tells when the peer has taken a message, e.g. to keep memory a message refers to alive until then.
     */
    public long sentPosition() {
        return out.publishedTail();
    }

    /**
     * How far the peer has consumed this side's outgoing ring: every message ending at or below this position has been
     * handed to the peer's handler, and that handler has returned. A value from shared memory: a hostile peer can
     * make it run ahead of what it really read, never behind {@link #sentPosition()}'s past values' order.
     */
    public long peerConsumedPosition() {
        return out.publishedHead();
    }

    /**
     * Whether messages the peer committed wait here unread (a snapshot, for a session deciding whether its user has
     * read everything before it closes the pipe). False once closed.
     */
    boolean hasUnreadInput() {
        if (closed.get()) {
            return false;
        }
        try {
            return in.hasRecord();
        } catch (IllegalStateException e) {
            return false; // closed meanwhile: nothing at all
        }
    }

    private TransportException failed(ErrnoException e) {
        close();
        return new PeerGoneException("ring pipe failed: " + e.getMessage(), e);
    }

    private PipeClosedException closedMeanwhile(IllegalStateException e) {
        return new PipeClosedException("the pipe was closed during the call", e);
    }

    /** Whether this side's receiver sleeps on the futex now (for tests that must know a reader is parked). */
    boolean receiverParked() {
        return in.consumerParkedWord() == 1;
    }

    /** Whether this side's sender sleeps waiting for room now. */
    boolean senderParked() {
        return out.producerParkedWord() == 1;
    }

    /** The shared segment (tests corrupt it on purpose). */
    MemorySegment segment() {
        return mapping.segment();
    }

    @Override
    public String toString() {
        return "RingPipe[capacity " + out.capacity() + ", peer " + peer.pid() + (closed.get() ? ", closed]" : "]");
    }
}
