package dev.ipc4j.pubsub;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Futex;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.session.SessionTimeoutException;
import dev.ipc4j.shm.InvalidHandleException;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmHandle;
import dev.ipc4j.transport.Agent;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.TransportException;
import dev.ipc4j.transport.WaitSet;
import dev.ipc4j.transport.WaitStrategy;
import dev.ipc4j.transport.Waiter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One subscription to a topic, over a session to the publisher's server: samples are read in place in the publisher's
 * shared memory, in sequence order, with every sample it could not get reported as a {@link Gap}.
 *
 * <p>Three ways to read, as everywhere in ipc4j: {@link #poll} (caller-driven, never waits, returns a work count),
 * {@link #receive} (waits up to a timeout on a futex: for an application thread), {@link #attach} (handlers on a
 * {@link Runner} built from your {@code ThreadFactory}). Reading is for one thread at a time; call {@link #close()}
 * from that thread (or once it stopped reading), or from any thread when a runner reads: the runner lets go then.
 *
 * <p>End: when the publisher closes the topic, reads return {@link #ENDED} once everything published was read; when
 * its process dies, the next read throws {@link PublisherGoneException} once (after what was published before), and
 * when the publisher ends this subscription (a slow reliable subscriber under
 * {@link SlowSubscriberPolicy#DISCONNECT}), {@link SubscriptionEndedException} once; then {@link #ENDED}.
 */
public final class Subscriber implements AutoCloseable {
    /** What {@link #poll} and {@link #receive} return once the subscription has ended. */
    public static final int ENDED = BlobPipe.ENDED;

    private static final long HANDLE_LENGTH_AT = 16;
    private static final MemorySegment RUNNER_DRIVEN = MemorySegment.ofArray(new byte[] {1});
    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.pubsub");
    }
    /** The subscribers of each session, so that one end handler per session tells them all. */
    private static final Map<Session, Set<Subscriber>> BY_SESSION = new ConcurrentHashMap<>();

    /**
     * How to subscribe: an immutable value, changed with {@code withX} copies of {@link #DEFAULT}.
     *
     * @param delivery {@link Delivery#LOSSY} (the default) or {@link Delivery#RELIABLE}
     * @param start where to start (default {@link StartAt.Now}); a named subscriber that read the topic before
     *     resumes where it left off instead
     * @param name a name the publisher remembers this subscriber's position by, across its restarts (1 to 255 bytes of
     *     UTF-8; one subscription per name at a time); empty: anonymous
     * @param openTimeout how long {@link #open} waits for the publisher's answer (default 5 s)
     * @param maxRetained samples {@link Sample#retain() retained} past their handler and not yet closed, at most
     *     (default 16): what this subscriber can keep alive of the publisher's memory beyond the topic's history
     */
    public record Config(Delivery delivery, StartAt start, Optional<String> name, Duration openTimeout, int maxRetained) {
        public static final Config DEFAULT = new Config(Delivery.LOSSY, StartAt.now(), Optional.empty(), Duration.ofSeconds(5), 16);

        public Config {
            Objects.requireNonNull(delivery, "delivery");
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(name, "name");
            name.ifPresent(n -> {
                if (n.isEmpty()) {
                    throw new IllegalArgumentException("a name must not be empty");
                }
                SubscriptionWire.text(n);
            });
            if (openTimeout.isNegative() || openTimeout.isZero()) {
                throw new IllegalArgumentException("openTimeout must be positive: " + openTimeout);
            }
            if (maxRetained < 0) {
                throw new IllegalArgumentException("maxRetained must not be negative: " + maxRetained);
            }
        }

        /** A copy with {@code delivery} replaced. */
        public Config withDelivery(Delivery delivery) {
            return new Config(delivery, start, name, openTimeout, maxRetained);
        }

        /** A copy with {@code start} replaced. */
        public Config withStart(StartAt start) {
            return new Config(delivery, start, name, openTimeout, maxRetained);
        }

        /** A copy with {@code name} replaced. */
        public Config withName(String name) {
            return new Config(delivery, start, Optional.of(name), openTimeout, maxRetained);
        }

        /** A copy with {@code openTimeout} replaced. */
        public Config withOpenTimeout(Duration openTimeout) {
            return new Config(delivery, start, name, openTimeout, maxRetained);
        }

        /** A copy with {@code maxRetained} replaced. */
        public Config withMaxRetained(int maxRetained) {
            return new Config(delivery, start, name, openTimeout, maxRetained);
        }
    }

    private final String topic;
    private final Session session;
    private final Channel channel;
    private final ShmBlock cursorBlock;
    private final CursorBlock cursor;
    private final Lease topicLease;
    private final TopicBlock block;
    private final ShmArena samples;
    private final int slot;
    private final int slotGeneration;
    private final int capacity;
    private final MemorySegment scratch; // the entry's handle, copied out under the seqlock
    private final Sample sample;
    private final int maxRetained;
    private final java.util.concurrent.atomic.AtomicInteger retained = new java.util.concurrent.atomic.AtomicInteger();
    private final MemorySegment[] views; // by block, direct-mapped: so that reading allocates nothing
    private final AtomicReference<String> sessionGone = new AtomicReference<>();
    private Delivery delivery;
    private long next;
    private long missed;
    private Gap pendingGap;
    private boolean ended;
    private volatile boolean closed;
    private volatile Runner.Attachment reader; // when a runner reads: it releases everything once closed
    private volatile boolean readerRemoved;
    private boolean released;

    private Subscriber(String topic, Session session, Channel channel, ShmBlock cursorBlock, Lease topicLease,
            SubscriptionWire.Reply reply, Config config) {
        this.topic = topic;
        this.sample = new Sample(this);
        this.maxRetained = config.maxRetained();
        this.session = session;
        this.channel = channel;
        this.cursorBlock = cursorBlock;
        this.cursor = new CursorBlock(cursorBlock.memory());
        this.topicLease = topicLease;
        this.block = TopicBlock.wrap(topicLease.memory(), reply.epoch());
        this.samples = session.appArena();
        this.slot = reply.slot();
        this.slotGeneration = reply.slotGeneration();
        this.capacity = block.capacity();
        this.views = new MemorySegment[Integer.highestOneBit(Math.min(capacity, 1 << 14)) * 4];
        this.scratch = Arena.ofAuto().allocate(32, 8);
        this.delivery = config.delivery();
        this.next = reply.start();
        this.pendingGap = reply.requested() < reply.start() ? new Gap(reply.requested(), reply.start()) : null;
        cursor.nextVolatile(next);
    }

    /**
     * Subscribes to {@code topic} of the server {@code session} is logged in to: asks for a channel naming it, and
     * maps the topic's index from the publisher's answer.
     *
     * @throws dev.ipc4j.session.ChannelRefusedException when the publisher refused (no such topic, the name is taken,
     *     the topic is full or closed)
     * @throws SessionTimeoutException when it did not answer within {@link Config#openTimeout()}
     */
    public static Subscriber open(Session session, String topic, Config config) throws IOException, InterruptedException {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(config, "config");
        ShmBlock cursorBlock = session.arena().allocate(CursorBlock.BYTES);
        Channel channel = null;
        Lease topicLease = null;
        try {
            cursorBlock.memory().fill((byte) 0);
            SessionHandle cursorHandle = session.lend(cursorBlock);
            byte[] metadata = SubscriptionWire.encode(new SubscriptionWire.Request(topic, config.delivery(), config.start(),
                    config.name(), cursorHandle));
            channel = session.openChannel(metadata, config.openTimeout());
            AtomicReference<SubscriptionWire.Reply> reply = new AtomicReference<>();
            AtomicReference<RuntimeException> bad = new AtomicReference<>();
            Receipt got = channel.blobs().receive(blob -> {
                try {
                    reply.set(SubscriptionWire.decodeReply(blob.segment()));
                } catch (IllegalArgumentException | Ipc4jException e) {
                    bad.set(e);
                }
            }, config.openTimeout());
            if (bad.get() != null) {
                throw bad.get();
            }
            if (reply.get() == null) {
                throw new SessionTimeoutException("no subscription reply for " + topic + " within " + config.openTimeout() + " (" + got + ")");
            }
            topicLease = session.borrow(reply.get().topic());
            Subscriber s = new Subscriber(topic, session, channel, cursorBlock, topicLease, reply.get(), config);
            s.watchSession();
            return s;
        } catch (IOException | InterruptedException | RuntimeException e) {
            if (topicLease != null) {
                topicLease.close();
            }
            if (channel != null) {
                channel.close();
            }
            cursorBlock.close();
            throw e;
        }
    }

    /** The topic's name. */
    public String topic() {
        return topic;
    }

    /** The topic's epoch: a random number per publisher start, so a restarted publisher's topic is told apart. */
    public long epoch() {
        return block.epoch();
    }

    /** The next sequence this subscriber will read. */
    public long next() {
        return next;
    }

    /** How many samples this subscriber missed so far: the sum of every {@link Gap} reported. */
    public long missed() {
        return missed;
    }

    /** Its delivery now: {@link Delivery#LOSSY} once the publisher demoted it. */
    public Delivery delivery() {
        return delivery;
    }

    /**
     * Hands up to {@code limit} samples (and gaps) that are here now to {@code handler}, inline, never waiting;
     * returns how many, or {@link #ENDED}. A handler that throws loses nothing: the samples before it count as read,
     * and the exception reaches the caller.
     *
     * @throws PublisherGoneException once, when the publisher died (after what it had published was read, or reported
     *     as a gap when it could no longer be)
     * @throws SubscriptionEndedException once, when the publisher ended this subscription
     */
    public int poll(SampleHandler handler, int limit) {
        if (ended || closed) {
            return ENDED;
        }
        long before = next;
        try {
            try {
                return read(handler, limit);
            } finally {
                if (next != before) {
                    cursor.nextVolatile(next);
                    if (block.publisherWaitingVolatile()) {
                        wakePublisher();
                    }
                }
            }
        } catch (IllegalStateException e) {
            throw memoryGone(e);
        }
    }

    /**
     * {@code e} as it is, unless the session's end took the topic's and the cursor's memory along (touching it throws
     * IllegalStateException): then the subscription ends, told once as a {@link PublisherGoneException}.
     */
    private RuntimeException memoryGone(IllegalStateException e) {
        String gone = sessionGone.get();
        if (gone == null && session.isOpen()) {
            return e; // the handler's own, or a real fault: not ours to rename
        }
        end();
        return new PublisherGoneException("the publisher of " + topic + " is gone ("
                + (gone == null ? "the session ended" : gone) + ")", e);
    }

    private int read(SampleHandler handler, int limit) {
        int done = 0;
        if (pendingGap != null) {
            Gap gap = pendingGap;
            pendingGap = null;
            missed += gap.missed();
            handler.onGap(gap);
            done++;
        }
        boolean topicClosed = block.isClosed();
        int state = block.slotStateAcquire(slot, slotGeneration);
        if (state == TopicBlock.SLOT_DEMOTED) {
            delivery = Delivery.LOSSY;
        }
        if (!topicClosed && state == TopicBlock.SLOT_EVICTED) {
            end();
            throw new SubscriptionEndedException("the publisher of " + topic + " ended this subscription (a reliable "
                    + "subscriber a whole history behind for longer than the topic's reliable timeout, or one it could not serve)");
        }
        String gone = sessionGone.get();
        if (gone != null) { // its memory can no longer be borrowed: what is left unread is a gap, then the end
            long tail = block.tailAcquire();
            if (next < tail) {
                skip(handler, next, tail);
                return done + 1;
            }
            end();
            if (topicClosed) {
                return done == 0 ? ENDED : done;
            }
            throw new PublisherGoneException("the publisher of " + topic + " is gone (" + gone + ")", null);
        }
        long tail = block.tailAcquire();
        while (done < limit && next < tail) {
            long n = next;
            if (!block.readEntry(n, scratch)) {
                long oldest = block.tailAcquire() - capacity + 1; // the entry of TAIL - C may be being rewritten
                if (n < oldest) {
                    skip(handler, n, oldest);
                    done++;
                    continue;
                }
                // An honest publisher writes an entry's SEQUENCE before TAIL passes it: this index is forged or broken.
                end();
                throw new SubscriptionEndedException("the index of topic " + topic + " does not hold sample " + n
                        + " although its tail is " + tail);
            }
            long id;
            try {
                id = samples.borrow(scratch, 0);
            } catch (InvalidHandleException e) {
                long oldest = block.tailAcquire() - capacity + 1;
                if (n < oldest) { // freed because the publisher lapped this subscriber after the entry was read
                    skip(handler, n, oldest);
                    done++;
                    continue;
                }
                if (block.isClosed()) { // the publisher closed the topic and gave its history back
                    skip(handler, n, tail);
                    done++;
                    continue;
                }
                end();
                throw new SubscriptionEndedException("topic " + topic + " names a sample that cannot be borrowed", e);
            } catch (IllegalStateException e) { // the session ended meanwhile and took the publisher's memory along
                sessionEnded(e.getMessage());
                return done == 0 ? read(handler, limit) : done;
            }
            next = n + 1; // counted as read even if the handler throws: it had the sample
            try {
                sample.set(n, view(id, scratch.get(ValueLayout.JAVA_LONG, HANDLE_LENGTH_AT)));
                handler.onSample(sample);
            } finally {
                sample.set(n, null); // a retain after the handler is refused, not a borrow of whatever is there now
                samples.free(id);
            }
            done++;
        }
        if (done == 0) {
            return checkEnd();
        }
        return done;
    }

    /**
     * A hold of its own on the sample being handled (its handle is still in the scratch copy): the block stays alive
     * until the returned sample is closed, whatever the publisher does meanwhile.
     */
    RetainedSample retain(Sample s) {
        if (s != sample || sample.memory() == null) {
            throw new IllegalStateException("retain a sample inside its handler");
        }
        if (retained.incrementAndGet() > maxRetained) {
            retained.decrementAndGet();
            throw new IllegalStateException("this subscriber retains " + maxRetained + " samples already (Config.maxRetained):"
                    + " close one first");
        }
        try {
            Lease lease = samples.borrow(ShmHandle.readFrom(scratch, 0));
            return new RetainedSample(s.sequence(), lease, retained);
        } catch (RuntimeException e) {
            retained.decrementAndGet();
            throw e;
        }
    }

    /** How many samples are retained now (not yet closed). */
    public int retained() {
        return retained.get();
    }

    /** The view of a borrowed sample, made once per block and length (the ring's blocks come round again). */
    private MemorySegment view(long id, long length) {
        int slot = (int) (id >>> 32) & (views.length - 1);
        MemorySegment v = samples.memory(id, length, views[slot]);
        views[slot] = v;
        return v;
    }

    /** Reports {@code [from, to)} as missed and moves past it (before the handler runs: it may throw). */
    private void skip(SampleHandler handler, long from, long to) {
        missed += to - from;
        next = to;
        handler.onGap(new Gap(from, to));
    }

    private void wakePublisher() {
        try {
            Futex.wake(cursor.memory(), CursorBlock.NEXT_OFFSET, 1);
        } catch (ErrnoException e) {
            throw new IllegalStateException("waking the publisher of " + topic, e);
        }
    }

    /** Nothing to read: the end, told once, if there is one; else 0. */
    private int checkEnd() {
        if (block.isClosed() && next >= block.tailAcquire()) {
            end();
            return ENDED;
        }
        return 0;
    }

    /** Learns of the session's end through one handler per session, however many subscriptions it carries. */
    private void watchSession() {
        Set<Subscriber> set = BY_SESSION.get(session);
        if (set == null) {
            Set<Subscriber> fresh = ConcurrentHashMap.newKeySet();
            set = BY_SESSION.putIfAbsent(session, fresh);
            if (set == null) {
                set = fresh;
                session.onEnd(end -> {
                    BY_SESSION.remove(session);
                    fresh.forEach(s -> s.sessionEnded(end.toString()));
                });
            }
        }
        set.add(this);
        if (!session.isOpen()) {
            sessionEnded("the session ended");
        }
    }

    private void sessionEnded(String how) {
        sessionGone.compareAndSet(null, how);
        try {
            if (!closed) {
                Futex.wake(block.memory(), TopicBlock.WAKE_OFFSET, Integer.MAX_VALUE); // a sleeping reader looks now
            }
        } catch (ErrnoException | RuntimeException e) {
            // its timed wait looks soon anyway
        }
    }

    /**
     * Waits up to {@code timeout} for samples and hands up to 64 of them to {@code handler}; returns how many (0: the
     * time passed), or {@link #ENDED}. Sleeps on the topic's futex word; the publisher wakes one sleeper per publish,
     * and each one woken wakes the next, so publishing costs the same for any number of sleeping subscribers.
     */
    public int receive(SampleHandler handler, Duration timeout) {
        return receive(handler, 64, timeout);
    }

    /** {@link #receive(SampleHandler, Duration)} of at most {@code limit} samples and gaps. */
    public int receive(SampleHandler handler, int limit, Duration timeout) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int n = poll(handler, limit);
            if (n != 0) {
                return n;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            try {
                sleep(left);
            } catch (IllegalStateException e) {
                throw memoryGone(e);
            }
        }
    }

    /** Sleeps on the topic's futex word at most {@code left} ns (less: it checks now and then), unless there is news. */
    private void sleep(long left) {
        int seen = block.wakeAcquire();
        cursor.sleepingVolatile(CursorBlock.ON_FUTEX);
        try {
            if (block.tailVolatile() > next || block.isClosed() || sessionGone.get() != null
                    || block.slotStateAcquire(slot, slotGeneration) == TopicBlock.SLOT_EVICTED) {
                return;
            }
            Futex.await(block.memory(), TopicBlock.WAKE_OFFSET, seen, Math.min(left, WaitStrategy.CHECK_INTERVAL.toNanos()));
        } catch (ErrnoException e) {
            throw new IllegalStateException("waiting on topic " + topic, e);
        } finally {
            cursor.sleepingVolatile(CursorBlock.AWAKE);
        }
        if (block.wakeAcquire() != seen) {
            try {
                Futex.wake(block.memory(), TopicBlock.WAKE_OFFSET, 1); // pass the wake on to the next sleeper
            } catch (ErrnoException e) {
                throw new IllegalStateException("waking on topic " + topic, e);
            }
        }
    }

    /**
     * Reads on {@code runner}'s thread from now on: each sample (and gap) goes to {@code handler} inline there, and
     * the end to {@link SampleHandler#onEnd}. The runner sleeps between samples on the subscription's channel, which
     * the publisher rings when it finds this subscriber asleep. Do not also {@link #poll} or {@link #receive}.
     */
    public Runner.Attachment attach(Runner runner, SampleHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (reader != null) {
            throw new IllegalStateException("a runner reads this subscriber already");
        }
        Runner.Attachment a = runner.attach(new Reader(handler));
        reader = a;
        try {
            channel.blobs().send(RUNNER_DRIVEN); // the publisher rings this subscriber's channel from now on
        } catch (TransportException e) {
            // the subscription ends: the reader learns it from the topic or the session
        }
        return a;
    }

    private void end() {
        ended = true;
    }

    /**
     * Leaves the topic: the publisher stops waiting for this subscriber at once and drops it; the cursor and the
     * topic's index are given back (by the runner, when one reads: on its next cycle). Idempotent; the session stays
     * open.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            cursor.closedVolatile();
            if (block.publisherWaitingVolatile()) {
                wakePublisher();
            }
        } catch (RuntimeException e) {
            // the session's memory went already
        }
        Set<Subscriber> set = BY_SESSION.get(session);
        if (set != null) {
            set.remove(this);
        }
        Runner.Attachment r = reader;
        if (r != null && !readerRemoved && !r.isDriverThread()) {
            r.wake(); // the runner sees it closed, drops the reader and releases (onRemoved): it may be reading now
        } else {
            release();
        }
    }

    private synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        channel.close();
        topicLease.close();
        cursorBlock.close();
    }

    @Override
    public String toString() {
        return "Subscriber[" + topic + ", next " + next + ", missed " + missed + ", " + delivery + "]";
    }

    /** The runner-driven reader: polls the topic, sleeps on the subscription channel (the publisher's doorbell). */
    private final class Reader implements Agent {
        private final SampleHandler handler;
        private boolean done;

        /** The user's handler, whose exceptions are logged: they must not stop the runner's reading. */
        private final SampleHandler guarded;

        Reader(SampleHandler handler) {
            this.handler = handler;
            this.guarded = new SampleHandler() {
                @Override
                public void onSample(Sample sample) {
                    try {
                        handler.onSample(sample);
                    } catch (RuntimeException e) {
                        Log.LOG.log(System.Logger.Level.WARNING, "a sample handler of " + topic + " threw (sample " + sample.sequence() + ")", e);
                    }
                }

                @Override
                public void onGap(Gap gap) {
                    try {
                        handler.onGap(gap);
                    } catch (RuntimeException e) {
                        Log.LOG.log(System.Logger.Level.WARNING, "a gap handler of " + topic + " threw", e);
                    }
                }
            };
        }

        @Override
        public int doWork() {
            if (done) {
                return 0;
            }
            try {
                // The publisher's doorbells; the channel's end means the topic closed, this subscription was dropped
                // or the session ends, each of which the poll below learns from the topic or the session.
                channel.blobs().poll(blob -> { }, 64);
            } catch (TransportException | IllegalStateException e) {
                // as above
            }
            int n;
            try {
                n = poll(guarded, 256);
            } catch (PubSubException e) {
                finish(e);
                return 1;
            } catch (RuntimeException e) { // the publisher's memory broke the protocol: this subscription is over
                finish(new SubscriptionEndedException("reading topic " + topic + " failed", e));
                return 1;
            }
            if (n == ENDED) {
                finish(null);
                return 1;
            }
            return n;
        }

        private void finish(PubSubException cause) {
            done = true;
            try {
                handler.onEnd(cause);
            } catch (RuntimeException e) {
                Log.LOG.log(System.Logger.Level.WARNING, "a subscriber's end handler threw", e);
            }
        }

        @Override
        public void onRemoved() {
            readerRemoved = true;
            if (closed) {
                release();
            }
        }

        @Override
        public boolean prepareToSleep(WaitSet waits) {
            if (closed) {
                return false;
            }
            waits.wakeBy(System.nanoTime() + WaitStrategy.CHECK_INTERVAL.toNanos()); // the end is looked for at least this often
            cursor.sleepingVolatile(CursorBlock.ON_CHANNEL);
            if (block.tailVolatile() > next || block.isClosed() || sessionGone.get() != null) {
                return false;
            }
            try {
                return channel.prepareToSleep(waits, Waiter.RUNNER);
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public void awoke() {
            if (!closed) {
                cursor.sleepingVolatile(CursorBlock.AWAKE);
            }
            try {
                channel.awoke(Waiter.RUNNER);
            } catch (RuntimeException e) {
                // closed meanwhile: the next cycle sees it
            }
        }

        @Override
        public boolean isDone() {
            return done || closed;
        }
    }
}
