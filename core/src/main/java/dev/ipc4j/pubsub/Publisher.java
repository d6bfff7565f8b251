package dev.ipc4j.pubsub;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Futex;
import dev.ipc4j.session.ChannelRequest;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionHandle;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.transport.Agent;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.TransportException;
import dev.ipc4j.transport.WaitSet;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The one publisher of a topic: it loans a block of its server's app arena, the caller writes the sample in place, and
 * {@link #publish} makes it visible to every subscriber at once, whatever their number (one index entry, one tail, at
 * most one wake). Subscribers borrow the same block read-only; a block is freed when the topic's history has moved
 * past it and every subscriber that borrowed it has let go (the arena's holder bits; a dead subscriber's are cleared
 * by its session's end).
 *
 * <p>Subscribers log in to the publisher's {@link SessionServer} like any client (its allow-list applies) and ask for a
 * channel naming the topic: route such requests here with {@link #serve(SessionServer, Publisher...)} or, beside
 * channels of your own, with {@link #accept(ChannelRequest)} in your {@link Session#onChannel} handler.
 *
 * <p>Threads: {@link #loan}, {@link #offer}, {@link #publish}, {@link #abandon} and {@link #close()} are for one thread
 * at a time (the publishing thread); {@link #accept}, {@link #serve} and {@link #subscribers()} are thread-safe.
 * Nothing here starts a thread: a subscriber's leaving is noticed on its session's runner. {@link #offer} never
 * blocks (and so never applies the slow-subscriber policy: that needs the wait); {@link #publish} blocks only for a
 * reliable subscriber, at most {@link Config#reliableTimeout()}.
 *
 * <p>Trust: any client the server's allow-list admits may subscribe, reliable or not, and so may hold a reliable
 * topic back for {@link Config#reliableTimeout()} per publish: allow only the apps you trust with that, or use
 * {@link SlowSubscriberPolicy#DEMOTE} or {@link SlowSubscriberPolicy#DISCONNECT}. Subscribers map the app arena's
 * segments that hold samples, so they could read any block of them: keep what they must not see out of the
 * server's app arena.
 *
 * <p>Memory: at most {@link Config#capacity()} samples are kept (the history), plus the sample each subscriber reads
 * at that moment; nothing grows with a slow subscriber.
 */
public final class Publisher implements AutoCloseable {
    /** {@link #offer} returns this when a reliable subscriber has not read the sample it would overwrite. */
    public static final long BACK_PRESSURED = -2;

    /** Made on first use: a fresh JVM's first System.getLogger starts the logging backend, some 20 ms (issue 18). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger("dev.ipc4j.pubsub");
    }
    private static final SecureRandom EPOCHS = new SecureRandom();
    private static final long WAIT_SLICE_NANOS = 10_000_000;
    private static final MemorySegment DOORBELL = MemorySegment.ofArray(new byte[1]);
    /** The longest {@link Config#reliableTimeout()}: longer would overflow the deadline arithmetic. */
    private static final Duration MAX_RELIABLE_TIMEOUT = Duration.ofDays(1);
    /** Named subscribers' positions kept for their return, at most; the longest gone is forgotten first. */
    private static final int MAX_REMEMBERED = 4096;

    /**
     * A topic's settings: an immutable value, changed with {@code withX} copies of {@link #DEFAULT}.
     *
     * @param capacity samples kept (the history, and how far a lossy subscriber may fall behind before it skips): a
     *     power of two from 2 to 2^20 (default 1024)
     * @param reliableTimeout how long a publish waits for a reliable subscriber a whole history behind (default 1 s)
     * @param slowSubscribers what happens to that subscriber then (default {@link SlowSubscriberPolicy#DEMOTE})
     * @param listener told of each such decision, on the publishing thread (default: a log line)
     */
    public record Config(int capacity, Duration reliableTimeout, SlowSubscriberPolicy slowSubscribers,
            Consumer<SlowSubscriber> listener) {
        public static final Config DEFAULT = new Config(1024, Duration.ofSeconds(1), SlowSubscriberPolicy.DEMOTE,
                s -> Log.LOG.log(System.Logger.Level.WARNING, "slow reliable subscriber: " + s));

        public Config {
            if (capacity < 2 || capacity > 1 << 20 || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("capacity must be a power of two from 2 to 2^20: " + capacity);
            }
            Objects.requireNonNull(reliableTimeout, "reliableTimeout");
            if (reliableTimeout.isNegative() || reliableTimeout.compareTo(MAX_RELIABLE_TIMEOUT) > 0) {
                throw new IllegalArgumentException("reliableTimeout must be from 0 to a day: " + reliableTimeout);
            }
            Objects.requireNonNull(slowSubscribers, "slowSubscribers");
            Objects.requireNonNull(listener, "listener");
        }

        /** A copy with {@code capacity} replaced. */
        public Config withCapacity(int capacity) {
            return new Config(capacity, reliableTimeout, slowSubscribers, listener);
        }

        /** A copy with {@code reliableTimeout} replaced. */
        public Config withReliableTimeout(Duration reliableTimeout) {
            return new Config(capacity, reliableTimeout, slowSubscribers, listener);
        }

        /** A copy with {@code slowSubscribers} replaced. */
        public Config withSlowSubscribers(SlowSubscriberPolicy slowSubscribers) {
            return new Config(capacity, reliableTimeout, slowSubscribers, listener);
        }

        /** A copy with {@code listener} replaced. */
        public Config withListener(Consumer<SlowSubscriber> listener) {
            return new Config(capacity, reliableTimeout, slowSubscribers, listener);
        }
    }

    /** A subscriber as the publisher sees it now: for monitoring. */
    public record SubscriberInfo(String app, long pid, Optional<String> name, Delivery delivery, long next) {}

    private final String topic;
    private final Config config;
    private final ShmArena arena;
    private final ShmBlock topicHold;
    private final TopicBlock block;
    private final int capacity;
    private final long[] held; // publishing thread: the block id each entry's sample is held by (0: none)
    private final MemorySegment[] views; // publishing thread: loans' views by block, direct-mapped (no allocation)
    private final Object lock = new Object(); // guards subs, slots, resume and every cursor read or lease close
    private Sub[] subs = new Sub[0];
    private final Sub[] slots = new Sub[TopicBlock.MAX_SLOTS];
    private final int[] slotGenerations = new int[TopicBlock.MAX_SLOTS];
    private final Set<Session> watched = ConcurrentHashMap.newKeySet(); // sessions whose end this publisher listens for
    private final Map<String, Long> resume = new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_REMEMBERED;
        }
    };
    private long tail; // publishing thread
    private long loanId; // publishing thread: the loaned block, 0 when none
    private long loanLength;
    private long minReliable = Long.MAX_VALUE; // publishing thread: a lower bound of every reliable cursor
    /**
     * Per segment id, the incarnation (generation + 1; 0: none) every current subscriber has: a publish looks at one
     * entry, and posts to the subscribers only the first time a sample lies in a segment (incarnation). Under the lock.
     */
    private int[] shared = new int[16];
    private volatile boolean closed;

    private Publisher(String topic, Config config, ShmArena arena) {
        this.topic = topic;
        this.config = config;
        this.arena = arena;
        this.capacity = config.capacity();
        this.held = new long[capacity];
        this.views = new MemorySegment[Integer.highestOneBit(Math.min(capacity, 1 << 14)) * 4];
        long epoch;
        do {
            epoch = EPOCHS.nextLong();
        } while (epoch == 0);
        this.topicHold = arena.allocate(TopicBlock.bytesFor(capacity));
        this.block = TopicBlock.format(topicHold.memory(), capacity, epoch);
    }

    /**
     * Opens topic {@code topic} (1 to 255 bytes of UTF-8) on {@code server}: its samples and its index live in the
     * server's app arena. Route subscription requests to it ({@link #serve}, {@link #accept}).
     */
    public static Publisher open(SessionServer server, String topic, Config config) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(config, "config");
        if (Objects.requireNonNull(topic, "topic").isEmpty()) {
            throw new IllegalArgumentException("a topic needs a name");
        }
        SubscriptionWire.text(topic);
        return new Publisher(topic, config, server.appArena());
    }

    /**
     * Routes every session's channel requests on {@code server} to these publishers (by topic name) and refuses any
     * other channel: for a server that only publishes. A server with channels of its own calls {@link #accept} in its
     * own {@link Session#onChannel} handler instead.
     */
    public static void serve(SessionServer server, Publisher... publishers) {
        List<Publisher> all = List.of(publishers);
        server.onSession(session -> session.onChannel(request -> {
            for (Publisher p : all) {
                if (p.accept(request)) {
                    return;
                }
            }
            request.refuse("no such topic here");
        }));
    }

    /** The topic's name. */
    public String topic() {
        return topic;
    }

    /** The next sequence number to be published (how many samples have been). */
    public long tail() {
        return tail;
    }

    // --------------------------------------------------------------------------------------------------- publishing

    /**
     * Loans a block of {@code bytes} in shared memory for the next sample: write it in place, then {@link #publish} or
     * {@link #offer} it. One loan at a time; it stays the caller's until published (or the publisher is closed).
     *
     * @throws IllegalStateException when a loan is outstanding already
     * @throws dev.ipc4j.shm.ShmQuotaExceededException when the arena's quota is used up
     */
    public MemorySegment loan(long bytes) {
        ensureOpen();
        if (loanId != 0) {
            throw new IllegalStateException("a loaned sample is not published yet: publish it first");
        }
        long id = arena.allocateId(bytes);
        loanId = id;
        loanLength = bytes;
        int slot = (int) (id >>> 32) & (views.length - 1);
        MemorySegment view = arena.memory(id, bytes, views[slot]); // the same block comes round again: no new view
        views[slot] = view;
        return view;
    }

    /**
     * Publishes the loaned sample, waiting for reliable subscribers at most {@link Config#reliableTimeout()} and then
     * applying {@link Config#slowSubscribers()}; returns its sequence number.
     *
     * @throws SlowSubscriberException under {@link SlowSubscriberPolicy#FAIL_PUBLISH} (the loan stays the caller's)
     */
    public long publish() {
        return publish(loanLength);
    }

    /** {@link #publish()} of the first {@code length} bytes of the loan only. */
    public long publish(long length) {
        return publish(length, true);
    }

    /**
     * Publishes the loaned sample unless a reliable subscriber has not read the one it would overwrite: then returns
     * {@link #BACK_PRESSURED} at once (the loan stays the caller's: offer it again). Never blocks.
     */
    public long offer() {
        return publish(loanLength, false);
    }

    /**
     * Copies {@code sample} into a new loan and {@link #publish()}es it: the convenience for small samples. When the
     * publish fails, the loan is given back.
     */
    public long publish(MemorySegment sample) {
        MemorySegment to = loan(sample.byteSize());
        try {
            MemorySegment.copy(sample, 0, to, 0, sample.byteSize());
            return publish();
        } catch (RuntimeException e) {
            abandon();
            throw e;
        }
    }

    /** Gives the loaned sample back unpublished (the caller failed to write it, or gave up on a slow subscriber). */
    public void abandon() {
        if (loanId != 0) {
            long id = loanId;
            loanId = 0;
            arena.free(id);
        }
    }

    private long publish(long length, boolean wait) {
        ensureOpen();
        if (loanId == 0) {
            throw new IllegalStateException("nothing loaned: loan a sample first");
        }
        if (length <= 0 || length > loanLength) {
            throw new IllegalArgumentException("length " + length + " of a loan of " + loanLength);
        }
        long s = tail;
        long overwritten = s - capacity;
        int i = (int) (s & (capacity - 1));
        long old = held[i];
        boolean wake = false;
        while (true) {
            if (overwritten >= 0 && minReliable <= overwritten) {
                synchronized (lock) {
                    minReliable = minReliableLocked();
                }
                if (minReliable <= overwritten) {
                    if (!wait) {
                        return BACK_PRESSURED;
                    }
                    awaitReliable(overwritten);
                }
            }
            synchronized (lock) {
                // A reliable subscriber that joined since (accept lowers minReliable under this lock) is waited for too.
                if (overwritten >= 0 && minReliable <= overwritten && (minReliable = minReliableLocked()) <= overwritten) {
                    continue;
                }
                publishLocked(s, i, length);
                wake = wakeNeededLocked();
            }
            break;
        }
        if (old != 0) {
            arena.free(old); // the entry names another sample now; borrowers still holding it keep it alive
        }
        if (wake) {
            wakeSubscribers(1);
        }
        return s;
    }

    /** Writes entry {@code s} (index {@code i}) for the loan and publishes it. Under the lock. */
    private void publishLocked(long s, int i, long length) {
        block.beginEntry(s);
        long at = block.handleOffset(s);
        arena.lend(loanId, length, block.memory(), at);
        shareSegment(block.memory().get(ValueLayout.JAVA_INT_UNALIGNED, at + 4));
        block.commitEntry(s);
        held[i] = loanId;
        loanId = 0;
        tail = s + 1;
    }

    /**
     * After a publish: rings the runner-driven subscribers that sleep, and says whether one sleeps on the futex. One
     * found there is enough (it passes the wake on), so the others' words are not read. Under the lock.
     */
    private boolean wakeNeededLocked() {
        VarHandle.fullFence(); // TAIL is visible before any SLEEPING is read (the Dekker pattern)
        boolean wake = false;
        for (Sub sub : subs) {
            if (sub.onRunner) {
                if (sub.cursor.sleepingAcquire() != CursorBlock.AWAKE) {
                    ring(sub);
                }
            } else if (!wake) {
                wake = sub.cursor.sleepingAcquire() == CursorBlock.ON_FUTEX;
            }
        }
        return wake;
    }

    /**
     * Wakes subscribers sleeping on the topic: one futex wake of {@code count}. With 1, the one woken passes the wake
     * on ({@link Subscriber}), so a publish costs one system call whatever the number of sleepers.
     */
    private void wakeSubscribers(int count) {
        block.bumpWake();
        try {
            Futex.wake(block.memory(), TopicBlock.WAKE_OFFSET, count);
        } catch (ErrnoException e) {
            Log.LOG.log(System.Logger.Level.WARNING, "waking the subscribers of " + topic, e);
        }
    }

    /** Rings a runner-driven subscriber's channel: one byte; a full ring means it has a ring pending already. */
    private void ring(Sub sub) {
        try {
            sub.channel.blobs().trySend(DOORBELL);
        } catch (TransportException | IllegalStateException e) {
            // it is leaving: its watch removes it
        }
    }

    /** Gives every subscriber the segment a new sample lies in, once per segment incarnation. Under the lock. */
    private void shareSegment(int segment) {
        int generation = arena.segmentGeneration(segment);
        if (segment < shared.length && shared[segment] == generation + 1) {
            return;
        }
        List<Sub> failed = null;
        for (Sub sub : subs) { // a subscriber that cannot take it is dropped, and told so by its slot
            try {
                sub.session.shareAppSegment(segment);
            } catch (RuntimeException e) {
                (failed == null ? failed = new ArrayList<>() : failed).add(sub);
                Log.LOG.log(System.Logger.Level.DEBUG, "a subscriber of " + topic + " cannot take a segment: it leaves", e);
            }
        }
        if (failed != null) {
            failed.forEach(sub -> removeLocked(sub, true));
        }
        if (segment >= shared.length) {
            shared = java.util.Arrays.copyOf(shared, Math.max(segment + 1, 2 * shared.length));
        }
        shared[segment] = generation + 1;
    }

    /** The lowest position of any active reliable subscriber (Long.MAX_VALUE: none). Under the lock. */
    private long minReliableLocked() {
        long min = Long.MAX_VALUE;
        for (Sub sub : subs) {
            if (sub.delivery == Delivery.RELIABLE) {
                min = Math.min(min, sub.position());
            }
        }
        return min;
    }

    /** Waits until every reliable subscriber has read {@code overwritten}, then applies the policy to those that have not. */
    private void awaitReliable(long overwritten) {
        if (!awaitReliable(overwritten, System.nanoTime() + config.reliableTimeout().toNanos())) {
            actOnSlow(overwritten);
        }
    }

    /** Waits until every reliable subscriber has read {@code sequence}, at most until {@code deadline}; true if they have. */
    private boolean awaitReliable(long sequence, long deadline) {
        long overwritten = sequence;
        while (true) {
            Sub slowest = null;
            long position = 0;
            int seen = 0; // the low half of the slowest one's NEXT, the futex word the wait compares
            synchronized (lock) {
                for (Sub sub : subs) {
                    long p = sub.position();
                    if (sub.delivery == Delivery.RELIABLE && p <= overwritten && (slowest == null || p < position)) {
                        slowest = sub;
                        position = p;
                    }
                }
                if (slowest == null) {
                    minReliable = minReliableLocked();
                    return true;
                }
                seen = (int) slowest.cursor.nextAcquire();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            block.publisherWaiting(true); // volatile: the cursor is looked at again after it (the subscriber's side of the pattern)
            try {
                // The kernel compares the word first: a cursor that moved since it was looked at ends the wait at once.
                Futex.await(slowest.cursor.memory(), CursorBlock.NEXT_OFFSET, seen, Math.min(left, WAIT_SLICE_NANOS));
            } catch (ErrnoException | RuntimeException e) {
                Log.LOG.log(System.Logger.Level.DEBUG, "a slow subscriber's cursor went while waiting for it (it left)", e);
            } finally {
                block.publisherWaiting(false);
            }
        }
    }

    private void actOnSlow(long overwritten) {
        List<SlowSubscriber> reports = new ArrayList<>();
        synchronized (lock) {
            for (Sub sub : subs) {
                if (sub.delivery != Delivery.RELIABLE || sub.position() > overwritten) {
                    continue;
                }
                reports.add(new SlowSubscriber(sub.app, sub.pid, sub.name, tail - sub.position(), config.slowSubscribers()));
                switch (config.slowSubscribers()) {
                    case FAIL_PUBLISH -> { }
                    case DEMOTE -> {
                        sub.delivery = Delivery.LOSSY;
                        block.slotState(sub.slot, sub.generation, TopicBlock.SLOT_DEMOTED);
                    }
                    case DISCONNECT -> removeLocked(sub, true);
                }
            }
            minReliable = minReliableLocked();
        }
        for (SlowSubscriber r : reports) {
            try {
                config.listener().accept(r);
            } catch (RuntimeException e) {
                Log.LOG.log(System.Logger.Level.WARNING, "the slow-subscriber listener of " + topic + " threw", e);
            }
        }
        if (config.slowSubscribers() == SlowSubscriberPolicy.FAIL_PUBLISH && !reports.isEmpty()) {
            throw new SlowSubscriberException(reports.size() + " reliable subscriber(s) of " + topic + " still "
                    + reports.getFirst().behind() + " samples behind after " + config.reliableTimeout() + ": " + reports);
        }
        if (!reports.isEmpty() && config.slowSubscribers() == SlowSubscriberPolicy.DISCONNECT) {
            wakeSubscribers(Integer.MAX_VALUE); // an evicted one that sleeps learns it now
        }
    }

    // ------------------------------------------------------------------------------------------------ subscriptions

    /**
     * Takes a channel request if it is a subscription to this topic: sets the subscription up (on the calling thread,
     * a session's set-up thread) and returns true; false (the request untouched) when it is not one, so the caller
     * may route it elsewhere. A subscription that cannot be served (malformed, a name already subscribed, all
     * {@value TopicBlock#MAX_SLOTS} slots taken, the topic closed) is refused with the reason.
     */
    public boolean accept(ChannelRequest request) {
        byte[] metadata = request.metadata();
        if (!SubscriptionWire.isRequest(metadata)) {
            return false;
        }
        SubscriptionWire.Request r;
        try {
            r = SubscriptionWire.decodeRequest(metadata);
        } catch (IllegalArgumentException | ShmException e) {
            request.refuse("malformed subscription: " + e.getMessage());
            return true;
        }
        if (!r.topic().equals(topic)) {
            return false;
        }
        if (!(request.session() instanceof ServerSession session)) {
            request.refuse("topics are served to the clients of a server");
            return true;
        }
        if (r.cursor().scope() != SessionHandle.Scope.CLIENT_SESSION) {
            request.refuse("the cursor must be a block of the subscriber's session arena");
            return true;
        }
        Lease cursor;
        try {
            cursor = session.borrow(r.cursor());
        } catch (Ipc4jException | IllegalStateException e) {
            request.refuse("the cursor cannot be borrowed: " + e.getMessage());
            return true;
        }
        Channel channel = null;
        Sub sub = null;
        try {
            if (cursor.memory().byteSize() < CursorBlock.BYTES) {
                throw new IllegalArgumentException("a cursor of " + cursor.memory().byteSize() + " bytes");
            }
            String refusal;
            synchronized (lock) {
                refusal = refusalLocked(r);
            }
            if (refusal != null) {
                cursor.close();
                request.refuse(refusal);
                return true;
            }
            channel = request.accept();
            SessionHandle topicHandle = session.lend(topicHold);
            watch(session);
            SubscriptionWire.Reply reply;
            synchronized (lock) {
                refusal = refusalLocked(r); // the same checks again: others may have subscribed meanwhile
                if (refusal != null) {
                    throw new IllegalStateException(refusal);
                }
                int slot = freeSlot();
                long t = tail; // no publish is writing an entry now (they hold the lock): the history is [t - C, t)
                long requested = r.name().map(resume::get).orElse(r.start().requested(t));
                long start = Math.max(requested, Math.max(0, t - capacity));
                int generation = ++slotGenerations[slot] & (-1 >>> TopicBlock.SLOT_GENERATION_SHIFT);
                sub = new Sub(slot, generation, session, channel, cursor, r.delivery(), start, r.name(),
                        session.clientApp().name(), channel.peer().pid());
                for (int segment = 0; segment < shared.length; segment++) { // what every subscriber has, it gets too
                    if (shared[segment] != 0 && shared[segment] == arena.segmentGeneration(segment) + 1) {
                        session.shareAppSegment(segment);
                    }
                }
                block.slotState(slot, generation, TopicBlock.SLOT_ACTIVE);
                slots[slot] = sub;
                subs = append(subs, sub);
                if (sub.delivery == Delivery.RELIABLE) {
                    minReliable = Math.min(minReliable, start);
                }
                reply = new SubscriptionWire.Reply(block.epoch(), start, requested, slot, generation, topicHandle);
            }
            channel.blobs().send(MemorySegment.ofArray(SubscriptionWire.encode(reply)));
            sub.watch = session.runner().attach(new Watch(sub));
            return true;
        } catch (Ipc4jException | IllegalArgumentException | IllegalStateException e) {
            Log.LOG.log(System.Logger.Level.DEBUG, "a subscription to " + topic + " failed to set up", e);
            if (sub != null) {
                synchronized (lock) {
                    removeLocked(sub, true);
                }
            }
            cursor.close();
            if (channel != null) {
                channel.close();
            } else if (!request.isDecided()) {
                request.refuse("the subscription failed: " + e.getMessage());
            }
            return true;
        } catch (java.io.IOException e) { // the subscriber gave up meanwhile: nothing was set up
            Log.LOG.log(System.Logger.Level.DEBUG, "a subscriber of " + topic + " left while it subscribed", e);
            cursor.close();
            return true;
        }
    }

    /** Why {@code r} cannot be served now, or null. Under the lock. */
    private String refusalLocked(SubscriptionWire.Request r) {
        if (closed) {
            return "the topic is closed";
        }
        if (r.name().isPresent() && named(r.name().get())) {
            return "subscriber " + r.name().get() + " is subscribed already";
        }
        if (freeSlot() < 0) {
            return "the topic has " + TopicBlock.MAX_SLOTS + " subscribers, the most it takes";
        }
        return null;
    }

    /** Listens for {@code session}'s end once, however many subscriptions it carries (one handler per session). */
    private void watch(Session session) {
        if (watched.add(session)) {
            session.onEnd(end -> {
                synchronized (lock) {
                    for (Sub s : List.of(subs)) {
                        if (s.session == session) {
                            removeLocked(s);
                        }
                    }
                }
                watched.remove(session);
            });
        }
    }

    /** The subscribers now, for monitoring. Thread-safe. */
    public List<SubscriberInfo> subscribers() {
        synchronized (lock) {
            List<SubscriberInfo> out = new ArrayList<>();
            for (Sub s : subs) {
                out.add(new SubscriberInfo(s.app, s.pid, s.name, s.delivery, s.next()));
            }
            return out;
        }
    }

    /** Whether a subscription of that name is on; one that has closed its cursor is dropped now, not later. */
    private boolean named(String name) {
        for (Sub s : subs) {
            if (s.name.isPresent() && s.name.get().equals(name)) {
                if (!s.cursor.closedAcquire()) {
                    return true;
                }
                removeLocked(s);
                return false;
            }
        }
        return false;
    }

    private int freeSlot() {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] == null) {
                return i;
            }
        }
        return -1;
    }

    private static Sub[] append(Sub[] subs, Sub sub) {
        Sub[] more = java.util.Arrays.copyOf(subs, subs.length + 1);
        more[subs.length] = sub;
        return more;
    }

    private void remove(Sub sub) {
        synchronized (lock) {
            removeLocked(sub);
        }
    }

    /** Drops a subscription that left, or whose session ended, or of a topic that closes. */
    private void removeLocked(Sub sub) {
        removeLocked(sub, false);
    }

    /**
     * Drops a subscription: marks its slot EVICTED when the publisher drops one still there (so it learns it), remembers
     * a named one's position, gives its cursor back, closes its channel.
     */
    private void removeLocked(Sub sub, boolean evict) {
        if (sub.removed) {
            return;
        }
        sub.removed = true;
        if (evict) {
            block.slotState(sub.slot, sub.generation, TopicBlock.SLOT_EVICTED);
        }
        if (sub.name.isPresent()) {
            resume.put(sub.name.get(), sub.next());
        }
        List<Sub> rest = new ArrayList<>(List.of(subs));
        rest.remove(sub);
        subs = rest.toArray(Sub[]::new);
        slots[sub.slot] = null;
        sub.cursorLease.close();
        sub.channel.close();
        Runner.Attachment w = sub.watch;
        if (w != null) {
            w.wake(); // its agent sees the closed channel and leaves the runner
        }
    }

    // ------------------------------------------------------------------------------------------------------- close

    /**
     * Closes the topic: no more is published; reliable subscribers are given up to {@link Config#reliableTimeout()} to
     * read what was (the end is then {@link Subscriber#ENDED} to them), then the history's samples are given back:
     * what a lossy subscriber had not borrowed by then it sees as a {@link Gap} before the end. Borrowers keep what
     * they hold until they let go. An unpublished loan is given back too. Call it from the publishing thread, or once
     * that has stopped publishing. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            end();
        } catch (IllegalStateException e) {
            if (!arena.isClosed()) {
                throw e;
            }
            // The server closed first (its shutdown hook runs beside the application's, in no set order): its sessions
            // ended, which ended every subscription, and the topic's memory went with its app arena.
            Log.LOG.log(System.Logger.Level.DEBUG, "the publisher of " + topic + " closed after its server", e);
        }
    }

    /** What {@link #close()} does once: tell, wait for reliable subscribers, end every subscription, give back. */
    private void end() {
        synchronized (lock) {
            block.markClosed();
        }
        wakeSubscribers(Integer.MAX_VALUE);
        if (tail > 0) {
            awaitReliable(tail - 1, System.nanoTime() + config.reliableTimeout().toNanos());
        }
        synchronized (lock) {
            for (Sub s : List.of(subs)) {
                removeLocked(s);
            }
        }
        for (int i = 0; i < capacity; i++) {
            if (held[i] != 0) {
                arena.free(held[i]);
                held[i] = 0;
            }
        }
        if (loanId != 0) {
            arena.free(loanId);
            loanId = 0;
        }
        topicHold.close();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("the publisher of " + topic + " is closed");
        }
    }

    @Override
    public String toString() {
        return "Publisher[" + topic + ", tail " + tail + ", " + subs.length + " subscribers]";
    }

    /** One subscription, as the publisher keeps it. Fields other than {@link #watch} are read under the lock. */
    private static final class Sub {
        final int slot;
        final int generation;
        final ServerSession session;
        final Channel channel;
        final Lease cursorLease;
        final CursorBlock cursor;
        final long start;
        final Optional<String> name;
        final String app;
        final long pid;
        Delivery delivery;
        volatile boolean removed;
        volatile Runner.Attachment watch;
        /** It said a runner reads it (it sleeps on its channel): its SLEEPING word is read on every publish. */
        volatile boolean onRunner;

        Sub(int slot, int generation, ServerSession session, Channel channel, Lease cursorLease, Delivery delivery, long start,
                Optional<String> name, String app, long pid) {
            this.slot = slot;
            this.generation = generation;
            this.session = session;
            this.channel = channel;
            this.cursorLease = cursorLease;
            this.cursor = new CursorBlock(cursorLease.memory());
            this.delivery = delivery;
            this.start = start;
            this.name = name;
            this.app = app;
            this.pid = pid;
        }

        /** The next sequence it will read: its cursor, or where it started until it has written one. */
        long next() {
            return Math.max(start, cursor.nextAcquire());
        }

        /** {@link #next()}, or past everything once it leaves: nobody waits for it then. */
        long position() {
            return cursor.closedAcquire() ? Long.MAX_VALUE : next();
        }
    }

    /**
     * Watches a subscription's channel on its session's runner: the subscriber sends one message at most after the
     * set-up (a runner reads it now), so the channel's end (the subscriber closed it, or died) is what this waits for.
     */
    private final class Watch implements Agent {
        private final Sub sub;
        private boolean done;

        Watch(Sub sub) {
            this.sub = sub;
        }

        @Override
        public int doWork() {
            if (done) {
                return 0;
            }
            int n;
            try {
                n = sub.channel.blobs().poll(blob -> runnerDriven(), 16);
            } catch (TransportException | IllegalStateException e) {
                n = BlobPipe.ENDED;
            }
            if (n == BlobPipe.ENDED || sub.removed) {
                remove(sub);
                done = true;
                return 1;
            }
            return n;
        }

        /**
         * The subscriber's one message: a runner reads it from now on. A publish that skipped its SLEEPING word
         * before this was seen may have missed its sleep: one ring now makes it look.
         */
        private void runnerDriven() {
            if (!sub.onRunner) {
                sub.onRunner = true;
                ring(sub);
            }
        }

        @Override
        public boolean prepareToSleep(WaitSet waits) {
            try {
                return sub.channel.prepareToSleep(waits, dev.ipc4j.transport.Waiter.RUNNER);
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public void awoke() {
            try {
                sub.channel.awoke(dev.ipc4j.transport.Waiter.RUNNER);
            } catch (RuntimeException e) {
                // closed meanwhile: the next cycle sees it
            }
        }

        @Override
        public boolean isDone() {
            return done;
        }
    }
}
