package dev.ipc4j.bench.pubsub;

import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.Deadlines;
import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.ResultFormat;
import dev.ipc4j.pubsub.Publisher;
import dev.ipc4j.pubsub.SlowSubscriberPolicy;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionServer;
import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@code ./ipc4j bench pubsub}: one publisher here, N subscriber processes ({@link PubSubBenchChild}), ipc4j's
 * {@link Publisher} beside Aeron IPC in the same invocation; see {@link PubSubCommand} for what is measured and why.
 */
public final class PubSubBench {
    static final ClientApp READER = ClientApp.named("bench-reader").build();
    static final double PUBLISH_TARGET = 1.2;
    static final double LARGE_TARGET = 10.0;
    static final double SMALL_TARGET = 1.0;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final long SMALL_INTERVAL_NANOS = 200_000;
    private static final long LARGE_INTERVAL_NANOS = 2_000_000;
    private static final AtomicLong RUNS = new AtomicLong();

    private PubSubBench() {}

    static ServerApp server(Path runDirectory) {
        return ServerApp.named("bench-feed").allowing(READER).runDirectory(runDirectory).build();
    }

    /**
     * One run's figures: the publishing call and the latency to the last subscriber, per sample; and by arrival, the p50
     * of the latency to the first, second, ... subscriber to have each sample (the last is {@code latency}'s p50). The
     * steps between them show how the subscribers are woken: a chain (each one wakes the next) adds a wake-up per
     * rank, subscribers that wake on their own timers arrive together.
     */
    record Row(String transport, int subscribers, int payloadBytes, LatencyStats publish, LatencyStats latency,
            List<Long> byArrivalP50) {
        Row {
            byArrivalP50 = List.copyOf(byArrivalP50);
        }
    }

    public static int run(PubSubOptions options, PrintStream out, PrintStream err) {
        PrintStream human = options.json() ? err : out;
        human.println("bench pubsub: publisher here, subscribers in child JVMs, reliable, blocking waits; "
                + "latency = stamped -> in the last subscriber's hand");
        human.printf(Locale.ROOT, "%-6s %4s %9s %10s %10s %11s %11s%n", "", "subs", "payload", "publish p50", "p99",
                "latency p50", "p99");
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        for (int payload : options.payloads()) {
            for (int n : options.subscribers()) {
                for (String transport : options.transports()) {
                    try {
                        Row r = runOne(transport, n, payload, options, err);
                        rows.add(r);
                        human.printf(Locale.ROOT, "%-6s %4d %9d %10s %10s %11s %11s%n", transport, n, payload,
                                us(r.publish().p50()), us(r.publish().p99()), us(r.latency().p50()), us(r.latency().p99()));
                        if (n > 1) {
                            human.println("         latency p50 by arrival (1st .. last subscriber): "
                                    + String.join(" ", r.byArrivalP50().stream().map(PubSubBench::us).toList()));
                        }
                        if (options.json()) {
                            out.println(json(r));
                        }
                    } catch (Exception e) {
                        failed = true;
                        err.println("bench pubsub: " + transport + " with " + n + " subscribers, " + payload + " B failed: " + e);
                    }
                }
            }
        }
        for (String target : targets(rows)) {
            if (options.json()) {
                out.println(target);
            } else {
                human.println(target);
            }
        }
        return failed ? 1 : 0;
    }

    private static String us(long nanos) {
        return ResultFormat.micros(nanos) + "us";
    }

    private static Row runOne(String transport, int n, int payload, PubSubOptions options, PrintStream err) throws Exception {
        Path work = Files.createTempDirectory("ipc4j-bench-pubsub-");
        int measured = options.samplesOf(payload);
        int warmup = options.warmupOf(payload);
        int total = warmup + measured;
        long interval = payload > 64 << 10 ? LARGE_INTERVAL_NANOS : SMALL_INTERVAL_NANOS;
        long deadline = Deadlines.after(options.timeout());
        Histogram publish = LatencyStats.newHistogram();
        List<ChildJvm> children = new ArrayList<>();
        try {
            Feed feed = transport.equals("ipc4j") ? new Ipc4jFeed(work, payload) : new AeronFeed(payload);
            try (feed) {
                for (int i = 0; i < n; i++) {
                    children.add(ChildJvm.start(List.of(), PubSubBenchChild.class, List.of(transport, feed.address(),
                            Integer.toString(payload), Integer.toString(total), work.resolve("latency-" + i).toString()),
                            work.resolve("child-" + i + ".stderr")));
                }
                for (ChildJvm c : children) {
                    expect(c, "ready", deadline);
                }
                feed.awaitSubscribers(n, deadline);
                long next = System.nanoTime();
                for (int i = 0; i < total; i++) {
                    long nanos = feed.publish(i);
                    if (i >= warmup) {
                        publish.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
                    }
                    next += interval;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if ((i & 1023) == 0) {
                        Deadlines.check(deadline, "publishing sample " + i);
                    }
                }
                for (ChildJvm c : children) {
                    expect(c, "done", deadline);
                }
            }
            Histogram latency = LatencyStats.newHistogram();
            long[][] all = new long[n][];
            for (int i = 0; i < n; i++) {
                all[i] = read(work.resolve("latency-" + i), total);
            }
            Histogram[] byArrival = new Histogram[n]; // [k]: the latency of the k-th subscriber to have each sample
            for (int k = 0; k < n; k++) {
                byArrival[k] = k == n - 1 ? latency : LatencyStats.newHistogram();
            }
            long[] one = new long[n];
            for (int s = warmup; s < total; s++) {
                for (int i = 0; i < n; i++) {
                    one[i] = all[i][s];
                }
                Arrays.sort(one);
                for (int k = 0; k < n; k++) {
                    byArrival[k].recordValue(Math.max(1, Math.min(one[k], LatencyStats.HIGHEST_NANOS)));
                }
            }
            List<Long> byArrivalP50 = new ArrayList<>();
            for (Histogram rank : byArrival) {
                byArrivalP50.add(LatencyStats.of(rank).p50());
            }
            return new Row(transport, n, payload, LatencyStats.of(publish), LatencyStats.of(latency), byArrivalP50);
        } catch (Exception e) {
            for (ChildJvm c : children) {
                String tail = c.stderrTail();
                if (!tail.isBlank()) {
                    err.println("bench pubsub: child " + c.pid() + ": " + tail);
                }
            }
            throw e;
        } finally {
            for (ChildJvm c : children) {
                c.close();
            }
            FileTrees.delete(work);
        }
    }

    private static void expect(ChildJvm child, String word, long deadline) throws TimeoutException, IOException {
        child.expect(word, deadline);
    }

    private static long[] read(Path file, int total) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.remaining() != 8L * total) {
            throw new IOException(file + " holds " + bytes.remaining() + " bytes, not " + 8L * total);
        }
        long[] out = new long[total];
        bytes.asLongBuffer().get(out);
        return out;
    }

    /** One transport's publishing side. */
    private interface Feed extends AutoCloseable {
        String address();

        void awaitSubscribers(int n, long deadline) throws TimeoutException;

        /** Writes sample {@code i}, stamps it, publishes it; returns the publishing call's nanoseconds. */
        long publish(long i) throws IOException;

        @Override
        void close() throws IOException;
    }

    /** ipc4j: a session server and a reliable topic; the sample is written in the loaned block, in place. */
    private static final class Ipc4jFeed implements Feed {
        private final Path dir;
        private final int payload;
        private final SessionServer server;
        private final Publisher publisher;

        Ipc4jFeed(Path dir, int payload) throws IOException {
            this.dir = dir;
            this.payload = payload;
            this.server = SessionServer.start(server(dir));
            try {
                this.publisher = Publisher.open(server, PubSubBenchChild.TOPIC, Publisher.Config.DEFAULT
                        .withCapacity(payload > 64 << 10 ? 64 : 1024).withReliableTimeout(Duration.ofSeconds(30))
                        .withSlowSubscribers(SlowSubscriberPolicy.FAIL_PUBLISH));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            Publisher.serve(server, publisher);
        }

        @Override
        public String address() {
            return dir.toString();
        }

        @Override
        public void awaitSubscribers(int n, long deadline) throws TimeoutException {
            while (publisher.subscribers().size() < n) {
                Deadlines.check(deadline, n + " subscribers");
                LockSupport.parkNanos(1_000_000);
            }
        }

        @Override
        public long publish(long i) {
            MemorySegment m = publisher.loan(payload);
            m.set(LONG, 0, i);
            m.set(LONG, payload - 8, ~i);
            m.set(LONG, 8, System.nanoTime());
            long t0 = System.nanoTime();
            publisher.publish();
            return System.nanoTime() - t0;
        }

        @Override
        public void close() {
            publisher.close();
            server.close();
        }
    }

    /**
     * Aeron IPC: an embedded media driver (as the harness's Aeron baseline), one exclusive publication the subscribers
     * all read; the sample is written in a buffer and offered, which copies it into the log.
     */
    private static final class AeronFeed implements Feed {
        private final Path dir;
        private final int payload;
        private final MediaDriver driver;
        private final Aeron aeron;
        private final ExclusivePublication publication;
        private final UnsafeBuffer buffer;
        private final IdleStrategy idle = new BackoffIdleStrategy();

        AeronFeed(int payload) throws IOException {
            this.payload = payload;
            this.dir = Path.of("/dev/shm", "aeron-ipc4j-bench-pubsub-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
            // A term holds at least 8 samples (Aeron's largest message is an eighth of a term), as ipc4j's topic holds 64.
            int term = Math.max(8 << 20, Integer.highestOneBit(payload) * 64);
            MediaDriver d = null;
            Aeron a = null;
            try {
                d = MediaDriver.launch(new MediaDriver.Context().aeronDirectoryName(dir.toString()).dirDeleteOnStart(true)
                        .dirDeleteOnShutdown(true).threadingMode(ThreadingMode.SHARED)
                        .sharedIdleStrategy(new SleepingMillisIdleStrategy(1)).ipcTermBufferLength(term)
                        .printConfigurationOnStart(false));
                a = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString()));
                this.publication = a.addExclusivePublication("aeron:ipc", PubSubBenchChild.AERON_STREAM);
            } catch (IllegalAccessError e) {
                CloseHelper.quietCloseAll(a, d);
                throw new IOException("Aeron needs --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED (./ipc4j bench adds it)", e);
            } catch (RuntimeException e) {
                CloseHelper.quietCloseAll(a, d);
                FileTrees.delete(dir);
                throw new IOException("could not start the Aeron media driver in " + dir, e);
            }
            this.driver = d;
            this.aeron = a;
            this.buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(payload));
        }

        @Override
        public String address() {
            return dir.toString();
        }

        @Override
        public void awaitSubscribers(int n, long deadline) throws TimeoutException {
            // Each child said ready once its subscription had an image; the publication sees them all connected.
            while (!publication.isConnected()) {
                Deadlines.check(deadline, "the Aeron subscribers");
                LockSupport.parkNanos(1_000_000);
            }
        }

        @Override
        public long publish(long i) throws IOException {
            buffer.putLong(0, i, ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(payload - 8, ~i, ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(8, System.nanoTime(), ByteOrder.LITTLE_ENDIAN);
            long t0 = System.nanoTime();
            long result;
            idle.reset();
            while ((result = publication.offer(buffer, 0, payload)) < 0) {
                if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED
                        || result == Publication.MAX_POSITION_EXCEEDED) {
                    throw new IOException("the Aeron publication can no longer publish: " + Publication.errorString(result));
                }
                idle.idle();
            }
            return System.nanoTime() - t0;
        }

        @Override
        public void close() throws IOException {
            CloseHelper.quietCloseAll(publication, aeron, driver);
            FileTrees.delete(dir);
        }
    }

    /** One JSON row, the keys. */
    static String json(Row r) {
        return "{\"bench\":\"pubsub\",\"transport\":" + ResultFormat.quote(r.transport()) + ",\"subscribers\":" + r.subscribers()
                + ",\"payload_bytes\":" + r.payloadBytes() + ",\"samples\":" + r.latency().count()
                + ",\"publish_us\":{\"p50\":" + ResultFormat.micros(r.publish().p50()) + ",\"p99\":"
                + ResultFormat.micros(r.publish().p99()) + "},\"latency_us\":{\"p50\":" + ResultFormat.micros(r.latency().p50())
                + ",\"p99\":" + ResultFormat.micros(r.latency().p99()) + "},\"latency_by_arrival_us\":{\"p50\":["
                + String.join(",", r.byArrivalP50().stream().map(ResultFormat::micros).toList()) + "]}}";
    }

    /** The targets over the rows measured, as JSON rows; a target whose rows are missing is left out. */
    static List<String> targets(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (int payload : rows.stream().map(Row::payloadBytes).distinct().toList()) {
            Row one = find(rows, "ipc4j", 1, payload);
            Row eight = find(rows, "ipc4j", 8, payload);
            if (one != null && eight != null) {
                double v = (double) eight.publish().p50() / one.publish().p50();
                out.add(ratio("ipc4j publish p50, 8 subscribers / 1", payload, 8, v, PUBLISH_TARGET, v <= PUBLISH_TARGET));
            }
            for (int n : rows.stream().map(Row::subscribers).distinct().sorted().toList()) {
                Row ipc = find(rows, "ipc4j", n, payload);
                Row aeron = find(rows, "aeron", n, payload);
                if (ipc == null || aeron == null) {
                    continue;
                }
                double v = (double) aeron.latency().p50() / ipc.latency().p50();
                if (payload >= 1 << 20) {
                    out.add(ratio("aeron latency p50 / ipc4j latency p50", payload, n, v, LARGE_TARGET, v >= LARGE_TARGET));
                } else {
                    out.add(ratio("aeron latency p50 / ipc4j latency p50", payload, n, v, SMALL_TARGET, v >= SMALL_TARGET));
                }
            }
        }
        return out;
    }

    private static String ratio(String what, int payload, int n, double value, double target, boolean met) {
        return String.format(Locale.ROOT, "{\"bench\":\"pubsub\",\"ratio\":%s,\"payload_bytes\":%d,\"subscribers\":%d,"
                + "\"value\":%.3f,\"target\":%.1f,\"met\":%b}", ResultFormat.quote(what), payload, n, value, target, met);
    }

    private static Row find(List<Row> rows, String transport, int n, int payload) {
        for (Row r : rows) {
            if (r.transport().equals(transport) && r.subscribers() == n && r.payloadBytes() == payload) {
                return r;
            }
        }
        return null;
    }
}
