package dev.ipc4j.bench.pubsub;

import dev.ipc4j.pubsub.Delivery;
import dev.ipc4j.pubsub.Sample;
import dev.ipc4j.pubsub.Subscriber;
import dev.ipc4j.session.ClientSession;
import io.aeron.Aeron;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * One subscriber process of {@code bench pubsub}: {@code TRANSPORT ADDRESS PAYLOAD TOTAL LATENCY_FILE}. Subscribes,
 * says {@code ready}, takes TOTAL samples, recording for each (by sequence) the nanoseconds from its stamp to its
 * arrival here, writes them to LATENCY_FILE (little-endian longs) and says {@code done}.
 */
public final class PubSubBenchChild {
    static final String TOPIC = "bench";
    static final int AERON_STREAM = 2001;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private PubSubBenchChild() {}

    public static void main(String[] args) throws Exception {
        String transport = args[0];
        String address = args[1];
        int payload = Integer.parseInt(args[2]);
        int total = Integer.parseInt(args[3]);
        Path file = Path.of(args[4]);
        long[] latencies = transport.equals("ipc4j") ? ipc4j(address, payload, total) : aeron(address, payload, total);
        ByteBuffer bytes = ByteBuffer.allocate(8 * total).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(latencies);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(bytes);
        }
        System.out.println("done");
        System.out.flush();
    }

    private static void ready() {
        System.out.println("ready");
        System.out.flush();
    }

    /** Checks what a sample says about itself against what arrived: its sequence at 0 and, inverted, in its last word. */
    private static void check(long sequence, long trailer, long length, int payload) throws IOException {
        if (trailer != ~sequence || length != payload) {
            throw new IOException("sample " + sequence + " arrived torn or of " + length + " bytes");
        }
    }

    private static long[] ipc4j(String runDirectory, int payload, int total) throws Exception {
        long[] latencies = new long[total];
        int[] received = {0};
        IOException[] bad = {null};
        try (ClientSession session = ClientSession.connect(PubSubBench.READER, PubSubBench.server(Path.of(runDirectory)));
                Subscriber subscriber = Subscriber.open(session, TOPIC, Subscriber.Config.DEFAULT.withDelivery(Delivery.RELIABLE))) {
            ready();
            while (received[0] < total) {
                int n = subscriber.receive((Sample sample) -> {
                    long now = System.nanoTime();
                    MemorySegment m = sample.memory();
                    long s = m.get(LONG, 0);
                    latencies[(int) s] = now - m.get(LONG, 8);
                    try {
                        check(s, m.get(LONG, m.byteSize() - 8), m.byteSize(), payload);
                    } catch (IOException e) {
                        bad[0] = e;
                    }
                    received[0]++;
                }, Duration.ofSeconds(30));
                if (bad[0] != null) {
                    throw bad[0];
                }
                if (n == Subscriber.ENDED || n == 0) {
                    throw new IOException("the topic ended after " + received[0] + " of " + total + " samples (" + n + ")");
                }
            }
        }
        return latencies;
    }

    private static long[] aeron(String directory, int payload, int total) throws Exception {
        long[] latencies = new long[total];
        int[] received = {0};
        IOException[] bad = {null};
        try (Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(directory));
                Subscription subscription = aeron.addSubscription("aeron:ipc", AERON_STREAM)) {
            IdleStrategy idle = new BackoffIdleStrategy();
            while (!subscription.isConnected()) {
                idle.idle();
            }
            ready();
            FragmentAssembler assembler = new FragmentAssembler((buffer, offset, length, header) -> {
                long now = System.nanoTime();
                long s = buffer.getLong(offset, ByteOrder.LITTLE_ENDIAN);
                latencies[(int) s] = now - buffer.getLong(offset + 8, ByteOrder.LITTLE_ENDIAN);
                try {
                    check(s, buffer.getLong(offset + length - 8, ByteOrder.LITTLE_ENDIAN), length, payload);
                } catch (IOException e) {
                    bad[0] = e;
                }
                received[0]++;
            });
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            idle.reset();
            while (received[0] < total) {
                if (subscription.poll(assembler, 16) == 0) {
                    idle.idle();
                    if (System.nanoTime() - deadline > 0) {
                        throw new IOException("only " + received[0] + " of " + total + " samples within 5 minutes");
                    }
                } else {
                    idle.reset();
                }
                if (bad[0] != null) {
                    throw bad[0];
                }
            }
        }
        return latencies;
    }
}
