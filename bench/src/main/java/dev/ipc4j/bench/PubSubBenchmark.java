package dev.ipc4j.bench;

import dev.ipc4j.bench.harness.FileTrees;
import dev.ipc4j.pubsub.Delivery;
import dev.ipc4j.pubsub.Publisher;
import dev.ipc4j.pubsub.SampleHandler;
import dev.ipc4j.pubsub.Subscriber;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionServer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Publish/subscribe's own CPU cost per sample, with no wake-up in it: a topic and {@code subscribers} subscriptions
 * over one session in this process, everything caller-driven on the benchmark thread. One operation: loan a sample,
 * write its first word, publish it, and let every subscriber {@code poll} it (borrowed in place, its first word read,
 * given back). Run with {@code -prof gc} for what it allocates per sample: the hot path should allocate nothing.
 * Cross-process fan-out is {@code ./ipc4j bench pubsub}'s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PubSubBenchmark {
    /** A small sample and one of a whole MiB: the same cost, nothing is copied. */
    @Param({"64", "1048576"})
    public int bytes;

    /** Subscriptions that read every sample (reliable: the publisher never laps them). */
    @Param({"1", "4"})
    public int subscribers;

    private Path runDir;
    private SessionServer server;
    private ClientSession client;
    private Publisher publisher;
    private Subscriber[] subs;
    private long sum;
    private final SampleHandler handler = sample -> sum += sample.memory().get(ValueLayout.JAVA_LONG, 0);

    @Setup(Level.Trial)
    public void setUp() throws IOException, InterruptedException {
        runDir = Files.createTempDirectory("ipc4j-jmh-pubsub-");
        ClientApp reader = ClientApp.named("jmhreader").build();
        ServerApp app = ServerApp.named("jmhpubsub").allowing(reader).permissions(Permissions.USER).runDirectory(runDir).build();
        server = SessionServer.start(app);
        publisher = Publisher.open(server, "jmh", Publisher.Config.DEFAULT.withCapacity(64));
        Publisher.serve(server, publisher);
        client = ClientSession.connect(reader, app);
        subs = new Subscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            subs[i] = Subscriber.open(client, "jmh", Subscriber.Config.DEFAULT.withDelivery(Delivery.RELIABLE));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (Subscriber s : subs) {
            s.close();
        }
        publisher.close();
        client.close();
        server.close();
        FileTrees.delete(runDir);
    }

    @Benchmark
    public long publishAndPoll() {
        MemorySegment sample = publisher.loan(bytes);
        sample.set(ValueLayout.JAVA_LONG, 0, publisher.tail());
        publisher.publish();
        for (Subscriber s : subs) {
            s.poll(handler, 1);
        }
        return sum;
    }
}
