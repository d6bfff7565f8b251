package dev.ipc4j.tap;

import dev.ipc4j.Ipc4jException;
import dev.ipc4j.message.Codec;
import dev.ipc4j.message.PayloadSchema;
import dev.ipc4j.pubsub.Publisher;
import dev.ipc4j.session.ChannelRequest;
import dev.ipc4j.session.Session;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.session.SessionTap;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A server's message tap: lets authorised observers ({@code ipc4j inspect}) see the messages crossing its sessions'
 * message channels, both ways, without slowing it. Off unless the server opens one:
 *
 * <pre>{@code
 * try (SessionServer server = SessionServer.start(app);          // app allows ClientApp "inspect"
 *      Tap tap = Tap.open(server, Tap.Config.DEFAULT)) {          // observers: the "inspect" app
 *     ...
 * }
 * }</pre>
 *
 * <p>Each message becomes a {@link TapRecord} (where it crossed, its kind, type, codec, length, and its first
 * {@link Config#maxCopy()} bytes) published on topic {@value #TOPIC} of the server's pub/sub: observers subscribe
 * with a {@code Subscriber} (lossy) and read the records in place. A codec that tells its schema
 * ({@link Codec#schema()}: protobuf and FlatBuffers codecs do) has it published too, in {@value #SCHEMA} records, so
 * that an observer renders its payloads as JSON without the application's classes. The server never waits for them:
 * <ul>
 *   <li>while no observer is subscribed, a message costs two volatile reads (the tap learns of a subscription when it
 *       takes it); while one is, a clock read, and a look at the subscribers every 50 ms;</li>
 *   <li>the topic is lossy: an observer that falls behind skips, and its {@code Gap} says how many it missed;</li>
 *   <li>while every observer is a whole history ({@link Config#capacity()}) behind, as a stalled one soon is, nothing
 *       is recorded (it would skip those records anyway): the messages are counted, and once an observer has caught
 *       up the next record is a {@value #SKIPPED} record whose length says how many went unrecorded;</li>
 *   <li>a publish that finds another thread publishing is not waited for: the record is dropped and counted
 *       ({@link #dropped()}), as is one that a reliable subscriber would hold back (publish never waits here).</li>
 * </ul>
 *
 * <p>Subscriptions to {@value #TOPIC} are taken before the application sees its channel requests
 * ({@link SessionServer#interceptChannels}), and only from the client apps named in {@link Config#observers()}; the
 * server's allow-list, credentials check and modes apply as to any client. Closing the tap stops it (idempotent).
 */
public final class Tap implements SessionTap, AutoCloseable {
    /** The topic observers subscribe to. */
    public static final String TOPIC = "ipc4j.tap";
    /** The kind of a record that stands for messages not recorded while every observer was a history behind. */
    public static final String SKIPPED = "SKIPPED";
    /** The kind of a record that tells what a schema number is ({@link TapRecord#schema()}). */
    public static final String SCHEMA = "SCHEMA";
    private static final byte[] SKIPPED_KIND = SKIPPED.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SCHEMA_KIND = SCHEMA.getBytes(StandardCharsets.US_ASCII);
    /** A schema longer than this is not published (its codec's payloads are shown as bytes). */
    private static final int MAX_SCHEMA = 1 << 20;
    private static final long ANNOUNCE_NANOS = 1_000_000_000;
    private static final Described NO_SCHEMA = new Described(0, null);
    private static final MemorySegment NOTHING = MemorySegment.ofArray(new byte[0]);
    private static final long OBSERVER_CHECK_NANOS = 50_000_000;

    /**
     * @param observers the client apps that may observe (they must also be allowed by the server app)
     * @param maxCopy payload bytes copied into each record at most (the rest is only counted)
     * @param capacity records kept for observers (a power of two): how far one may fall behind before it skips
     */
    public record Config(Set<String> observers, int maxCopy, int capacity) {
        /** The {@code inspect} app observes; 4 KiB of each payload; 4096 records. */
        public static final Config DEFAULT = new Config(Set.of("inspect"), 4096, 4096);

        public Config {
            observers = Set.copyOf(observers);
            if (maxCopy < 0 || maxCopy > 1 << 20) {
                throw new IllegalArgumentException("maxCopy must be from 0 to 1 MiB: " + maxCopy);
            }
        }

        /** A copy with {@code observers} replaced. */
        public Config withObservers(Set<String> observers) {
            return new Config(observers, maxCopy, capacity);
        }

        /** A copy with {@code maxCopy} replaced. */
        public Config withMaxCopy(int maxCopy) {
            return new Config(observers, maxCopy, capacity);
        }

        /** A copy with {@code capacity} replaced. */
        public Config withCapacity(int capacity) {
            return new Config(observers, maxCopy, capacity);
        }
    }

    private final SessionServer server;
    private final Config config;
    private final Publisher publisher;
    private final ReentrantLock publishing = new ReentrantLock();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong unrecorded = new AtomicLong(); // since the last record, while every observer lagged
    private final Map<String, byte[]> names = new ConcurrentHashMap<>(); // kinds and codec names as bytes, made once
    // Under publishing: each codec seen, and each distinct schema once (numbered from 1), however many codecs tell it.
    private final Map<Object, Named> codecs = new WeakHashMap<>(); // weak: a closed channel's codec may go
    private final Map<PayloadSchema, Described> schemas = new HashMap<>();
    private boolean announce; // an observer was told it skipped: publish every schema again first (under publishing)
    private long announced; // when every schema was last published (nanoTime), under publishing
    private volatile boolean observed;
    private volatile boolean lagging; // observers there are, all a history behind
    private volatile long nextCheck = System.nanoTime();
    private volatile boolean closed;

    private Tap(SessionServer server, Config config, Publisher publisher) {
        this.server = server;
        this.config = config;
        this.publisher = publisher;
    }

    /** Opens {@code server}'s tap: from now on its messages can be observed by {@link Config#observers()}. */
    public static Tap open(SessionServer server, Config config) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(config, "config");
        Publisher p = Publisher.open(server, TOPIC, Publisher.Config.DEFAULT.withCapacity(config.capacity()));
        Tap tap = new Tap(server, config, p);
        server.interceptChannels(tap::subscription);
        server.tap(tap);
        return tap;
    }

    /** Records not published: another thread was publishing, or the topic could not take them. */
    public long dropped() {
        return dropped.get();
    }

    /** Takes subscriptions to the tap from observers; every other request goes on to the application. */
    private boolean subscription(ChannelRequest request) {
        if (closed || !config.observers().contains(request.session().peer().app())) {
            return false; // not for us: the application refuses what it does not know
        }
        // Under publishing, which no message waits for (they drop their record instead): no record can go out between
        // the subscription's start and the schemas, so the observer knows every schema before its first record.
        publishing.lock();
        try {
            boolean taken = publisher.accept(request);
            if (taken) {
                observed = true; // before anything can fail: records go out from now on
                nextCheck = System.nanoTime(); // look at the new observer at the next message
                announceAll(nextCheck);
            }
            return taken;
        } catch (Ipc4jException | IllegalStateException e) {
            publisher.abandon(); // a schema could not be published: the observer sees bytes until the next second
            return true;
        } finally {
            publishing.unlock();
        }
    }

    @Override
    public void crossed(Session session, long channel, boolean inbound, String kind, int type, Object codec,
            MemorySegment payload) {
        if (!observed()) {
            return;
        }
        if (!publishing.tryLock()) {
            dropped.incrementAndGet(); // another thread is publishing: never wait for it
            return;
        }
        try {
            long skipped = unrecorded.getAndSet(0);
            if (skipped > 0) { // tell the observer how many it did not see, before what it sees next
                MemorySegment marker = publisher.loan(TapRecord.size(SKIPPED_KIND.length, 0, 0));
                TapRecord.write(marker, System.currentTimeMillis(), 0, 0, false, 0, 0, SKIPPED_KIND, new byte[0],
                        NOTHING, 0);
                marker.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, TapRecord.LENGTH, skipped);
                if (publisher.offer() == Publisher.BACK_PRESSURED) {
                    publisher.abandon();
                }
                announce = true; // what it knew of the schemas may have been skipped too
            }
            Named named = named(codec);
            Described d = named.schema;
            long now = System.nanoTime();
            if (announce || now - announced >= ANNOUNCE_NANOS) {
                announceAll(now);
            } else if (!d.published) {
                publishSchema(d);
            }
            byte[] k = names.computeIfAbsent(kind, n -> n.getBytes(StandardCharsets.US_ASCII));
            long copied = Math.min(payload.byteSize(), config.maxCopy());
            MemorySegment to = publisher.loan(TapRecord.size(k.length, named.codec.length, copied));
            TapRecord.write(to, System.currentTimeMillis(), session.id(), channel, inbound, type, d.number, k,
                    named.codec, payload, copied);
            if (publisher.offer() == Publisher.BACK_PRESSURED) {
                publisher.abandon();
                dropped.incrementAndGet();
            }
        } catch (Ipc4jException | IllegalStateException e) {
            publisher.abandon(); // the arena is full or closing: this record is lost, the server goes on
            dropped.incrementAndGet();
        } finally {
            publishing.unlock();
        }
    }

    /** A codec's name and schema, found once per codec (under publishing). */
    private Named named(Object codec) {
        Named known = codecs.get(codec);
        if (known != null) {
            return known;
        }
        byte[] name = codec.getClass().getName().getBytes(StandardCharsets.UTF_8);
        byte[] cut = name.length <= TapRecord.MAX_CODEC ? name : Arrays.copyOf(name, TapRecord.MAX_CODEC);
        Optional<PayloadSchema> schema = Optional.empty();
        if (codec instanceof Codec<?> c) {
            try {
                schema = c.schema();
            } catch (RuntimeException e) { // a codec's fault: its payloads are shown as bytes, the server goes on
                System.getLogger("dev.ipc4j.tap").log(System.Logger.Level.WARNING, "codec " + codec + " failed to tell its schema", e);
            }
        }
        Described d = schema.isPresent() && schema.get().bytes().length <= MAX_SCHEMA
                ? schemas.computeIfAbsent(schema.get(), s -> new Described(schemas.size() + 1, TapRecord.describe(s)))
                : NO_SCHEMA;
        Named named = new Named(cut, d);
        codecs.put(codec, named);
        return named;
    }

    /** Publishes every schema known (under publishing). */
    private void announceAll(long now) {
        announce = false;
        announced = now;
        for (Described each : schemas.values()) {
            publishSchema(each);
        }
    }

    /** Publishes what schema {@code d.number} is (nothing for a codec that tells none). */
    private void publishSchema(Described d) {
        if (d.number == 0) {
            return;
        }
        MemorySegment to = publisher.loan(TapRecord.size(SCHEMA_KIND.length, 0, d.description.length));
        TapRecord.write(to, System.currentTimeMillis(), 0, 0, false, 0, d.number, SCHEMA_KIND, new byte[0],
                MemorySegment.ofArray(d.description), d.description.length);
        if (publisher.offer() == Publisher.BACK_PRESSURED) {
            publisher.abandon();
            return;
        }
        d.published = true;
    }

    /** A codec as records name it: its class name (UTF-8, cut to {@link TapRecord#MAX_CODEC}) and its schema. */
    private record Named(byte[] codec, Described schema) {}

    /** A schema as records carry it: its number (0: none) and its {@value #SCHEMA} record's payload. */
    private static final class Described {
        final int number;
        final byte[] description;
        boolean published; // once, under publishing

        Described(int number, byte[] description) {
            this.number = number;
            this.description = description;
        }
    }

    /**
     * Whether an observer is subscribed that is less than a history behind, as of at most 50 ms ago. A message not
     * recorded because every observer lags that far is counted for the next {@value #SKIPPED} record.
     */
    private boolean observed() {
        if (closed || !observed && !lagging) {
            return false; // nobody subscribed as of the last look: a subscription sets observed itself
        }
        long now = System.nanoTime();
        // Under publishing, as subscriptions are taken: a look at a list without the new observer cannot overwrite
        // the observed flag its subscription set (and then stay idle for good). Busy: look at the next message.
        if (now - nextCheck >= 0 && publishing.tryLock()) {
            try {
                nextCheck = now + OBSERVER_CHECK_NANOS;
                boolean any = false;
                boolean keeping = false;
                long tail = publisher.tail();
                for (Publisher.SubscriberInfo s : publisher.subscribers()) {
                    any = true;
                    keeping |= tail - s.next() < config.capacity();
                }
                observed = keeping;
                lagging = any && !keeping;
            } finally {
                publishing.unlock();
            }
        }
        if (!observed && lagging) {
            unrecorded.incrementAndGet();
        }
        return observed;
    }

    /** Stops the tap: no record from now on, observers end. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.tap(null);
        server.interceptChannels(null);
        publishing.lock();
        try {
            publisher.close();
        } finally {
            publishing.unlock();
        }
    }
}
