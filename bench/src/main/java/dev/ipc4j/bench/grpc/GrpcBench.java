package dev.ipc4j.bench.grpc;

import com.google.protobuf.ByteString;
import dev.ipc4j.bench.grpc.fbs.FlatBlob;
import dev.ipc4j.bench.harness.Allocations;
import dev.ipc4j.bench.harness.ChildJvm;
import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.grpc.FlatBuffer;
import dev.ipc4j.grpc.InPlaceScope;
import dev.ipc4j.grpc.Ipc4jChannel;
import dev.ipc4j.grpc.Ipc4jGrpc;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.shm.ShmArena;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * {@code ./ipc4j bench grpc}: the same service ({@link EchoService}) and generated blocking stubs over ipc4j,
 * grpc-netty on loopback TCP, grpc-netty on a Unix domain socket, and grpc's in-process transport, in one invocation.
 * The server of the first three is one child JVM ({@link GrpcBenchServer}); the in-process one lives in this JVM.
 * Each test runs for the warm-up time, then is measured: unary round trips of protobuf messages (64 B, then the large
 * body, each way) as percentiles, one server stream as messages per second, unary round trips of FlatBuffers with the
 * large body ({@link FlatEchoService}: built in shared memory over ipc4j, a handle each way), and the heap bytes the
 * calling thread allocated per call.
 */
public final class GrpcBench {
    private GrpcBench() {}

    /** One measured test of one transport, with messages of one codec ("protobuf" or "flatbuffers"). */
    record Row(GrpcTransport transport, String codec, String test, int payloadBytes, long count, LatencyStats rtt,
            double msgsPerSecond, double allocPerCall) {}

    public static int run(GrpcOptions o, PrintStream out, PrintStream err) throws IOException {
        Path runDir = Files.createTempDirectory("ipc4j-grpc-bench-");
        long deadline = System.nanoTime() + o.timeout().toNanos();
        ChildJvm child = null;
        Server inProcess = null;
        try {
            String tcpPort = null;
            String udsPath = null;
            if (o.transports().stream().anyMatch(t -> t != GrpcTransport.INPROCESS)) {
                child = ChildJvm.start(List.of(), GrpcBenchServer.class,
                        List.of(runDir.toString(), Long.toString(o.timeout().toSeconds()), Boolean.toString(o.inPlace()),
                                Boolean.toString(o.directExecutor()), o.waitMode().label()),
                        runDir.resolve("server.stderr"));
                String[] ready = child.expect("READY", deadline).split(" ");
                tcpPort = ready[0];
                udsPath = ready[1].equals("-") ? null : ready[1];
            }
            List<Row> rows = new ArrayList<>();
            for (GrpcTransport t : o.transports()) {
                ManagedChannel channel;
                switch (t) {
                    case IPC4J -> channel = Ipc4jGrpc.channel(GrpcBenchServer.CLIENT, GrpcBenchServer.app(runDir))
                            .sessionConfig(ClientSession.Config.DEFAULT.withSession(o.waitMode().sessionConfig()))
                            .maxInboundMessageSize(GrpcBenchServer.MAX_MESSAGE).build();
                    case NETTY_TCP -> channel = Grpc.newChannelBuilder("127.0.0.1:" + tcpPort,
                            InsecureChannelCredentials.create()).maxInboundMessageSize(GrpcBenchServer.MAX_MESSAGE).build();
                    case NETTY_UDS -> {
                        if (udsPath == null) {
                            err.println("netty-uds: skipped: Netty's epoll transport did not load in the server"
                                    + " (its stderr: " + runDir.resolve("server.stderr") + ")");
                            continue;
                        }
                        channel = Grpc.newChannelBuilder("unix://" + udsPath, InsecureChannelCredentials.create())
                                .maxInboundMessageSize(GrpcBenchServer.MAX_MESSAGE).build();
                    }
                    case INPROCESS -> {
                        String name = InProcessServerBuilder.generateName();
                        InProcessServerBuilder builder = InProcessServerBuilder.forName(name);
                        if (o.directExecutor()) {
                            builder.directExecutor();
                        }
                        inProcess = builder.addService(new EchoService()).addService(FlatEchoService.definition())
                                .maxInboundMessageSize(GrpcBenchServer.MAX_MESSAGE).build().start();
                        channel = InProcessChannelBuilder.forName(name).maxInboundMessageSize(GrpcBenchServer.MAX_MESSAGE)
                                .build();
                    }
                    default -> throw new AssertionError(t);
                }
                try {
                    EchoBenchGrpc.EchoBenchBlockingStub stub = EchoBenchGrpc.newBlockingStub(channel);
                    rows.add(unary(t, stub, 64, o.smallIterations(), o.warmupSeconds(), o.inPlace()));
                    rows.add(unary(t, stub, o.largeBytes(), o.largeIterations(), o.warmupSeconds(), o.inPlace()));
                    rows.add(stream(t, stub, 64, o.streamMessages(), o.warmupSeconds()));
                    ShmArena arena = channel instanceof Ipc4jChannel ipc4j ? ipc4j.arena() : null; // else: the heap
                    rows.add(flatUnary(t, channel, arena, o.largeBytes(), o.largeIterations(), o.warmupSeconds()));
                } finally {
                    channel.shutdownNow();
                    channel.awaitTermination(30, TimeUnit.SECONDS);
                }
                err.println(t.label() + ": done");
            }
            (o.json() ? err : out).print(table(rows));
            List<String> targets = targets(rows, o.largeBytes());
            for (Row r : rows) {
                if (o.json()) {
                    out.println(json(r));
                }
            }
            for (String line : targets) {
                (o.json() ? out : err).println(line);
            }
            return 0;
        } catch (Exception e) {
            err.println("bench grpc failed: " + e + (child != null ? child.stderrTail() : ""));
            return 1;
        } finally {
            if (inProcess != null) {
                inProcess.shutdownNow();
            }
            if (child != null) {
                child.process().getOutputStream().close(); // its stdin ends: it shuts its servers down and exits
                try {
                    child.awaitExit(Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
                } catch (Exception e) {
                    err.println("bench grpc: the server process did not end cleanly: " + e.getMessage());
                }
                child.close();
            }
            try (var files = Files.list(runDir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(runDir);
        }
    }

    private static Blob blob(int size) {
        return Blob.newBuilder().setBody(ByteString.copyFrom(new byte[size])).build();
    }

    /**
     * Unary round trips of {@code size} bytes each way; with {@code inPlace}, each response is read in place through a
     * scope of its own ({@link InPlaceScope}), ended once the response was checked.
     */
    private static Row unary(GrpcTransport t, EchoBenchGrpc.EchoBenchBlockingStub stub, int size, int iterations,
            int warmupSeconds, boolean inPlace) {
        Blob request = blob(size);
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        for (int i = 0; i < Math.max(5, Math.min(iterations, 1000)) || System.nanoTime() - warmEnd < 0; i++) {
            echo(stub, request, size, inPlace);
        }
        Histogram h = LatencyStats.newHistogram();
        long before = Allocations.current();
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            echo(stub, request, size, inPlace);
            long took = System.nanoTime() - t0;
            h.recordValue(Math.min(took, LatencyStats.HIGHEST_NANOS));
        }
        long after = Allocations.current();
        return new Row(t, "protobuf", "unary", size, iterations, LatencyStats.of(h), Double.NaN,
                Allocations.perMessage(before, after, iterations));
    }

    private static void echo(EchoBenchGrpc.EchoBenchBlockingStub stub, Blob request, int size, boolean inPlace) {
        if (!inPlace) {
            check(stub.echo(request), size);
            return;
        }
        try (InPlaceScope scope = InPlaceScope.open()) {
            check(stub.withOption(InPlaceScope.RESPONSES, scope).echo(request), size);
        }
    }

    /**
     * Unary round trips of FlatBuffers ({@link FlatEchoService}) with a body of {@code size} bytes each way: each
     * request built (its body written once) in {@code arena}, the session's memory over ipc4j, where it crosses as a
     * handle (null: the heap); the response read where the server built it, closed once checked.
     */
    private static Row flatUnary(GrpcTransport t, Channel channel, ShmArena arena, int size, int iterations,
            int warmupSeconds) {
        ByteBuffer body = ByteBuffer.allocateDirect(size);
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        for (int i = 0; i < Math.max(5, Math.min(iterations, 1000)) || System.nanoTime() - warmEnd < 0; i++) {
            flatEcho(channel, arena, body);
        }
        Histogram h = LatencyStats.newHistogram();
        long before = Allocations.current();
        for (int i = 0; i < iterations; i++) {
            long t0 = System.nanoTime();
            flatEcho(channel, arena, body);
            long took = System.nanoTime() - t0;
            h.recordValue(Math.min(took, LatencyStats.HIGHEST_NANOS));
        }
        long after = Allocations.current();
        return new Row(t, "flatbuffers", "unary", size, iterations, LatencyStats.of(h), Double.NaN,
                Allocations.perMessage(before, after, iterations));
    }

    private static void flatEcho(Channel channel, ShmArena arena, ByteBuffer body) {
        FlatBuffer request = FlatEchoService.blob(arena, body.duplicate());
        try (FlatBuffer response = ClientCalls.blockingUnaryCall(channel, FlatEchoService.ECHO, CallOptions.DEFAULT,
                request)) {
            int got = response.root(FlatBlob::getRootAsFlatBlob).bodyLength();
            if (got != body.remaining()) {
                throw new IllegalStateException("an echo of " + body.remaining() + " bytes came back with " + got);
            }
        }
    }

    private static void check(Blob r, int size) {
        if (r.getBody().size() != size) {
            throw new IllegalStateException("an echo of " + size + " bytes came back with " + r.getBody().size());
        }
    }

    private static Row stream(GrpcTransport t, EchoBenchGrpc.EchoBenchBlockingStub stub, int size, int messages,
            int warmupSeconds) {
        StreamAsk warm = StreamAsk.newBuilder().setCount(Math.max(1, messages / 10)).setSize(size).build();
        long warmEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmupSeconds);
        do {
            drain(stub.flood(warm), warm.getCount());
        } while (System.nanoTime() - warmEnd < 0);
        StreamAsk ask = StreamAsk.newBuilder().setCount(messages).setSize(size).build();
        long before = Allocations.current();
        long t0 = System.nanoTime();
        drain(stub.flood(ask), messages);
        long took = System.nanoTime() - t0;
        long after = Allocations.current();
        return new Row(t, "protobuf", "stream", size, messages, null, messages * 1e9 / took,
                Allocations.perMessage(before, after, messages));
    }

    private static void drain(Iterator<Blob> it, int expected) {
        int n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        if (n != expected) {
            throw new IllegalStateException("a stream of " + expected + " messages brought " + n);
        }
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    private static String number(double d) {
        return Double.isNaN(d) ? "null" : String.format(Locale.ROOT, "%.0f", d);
    }

    static String json(Row r) {
        StringBuilder b = new StringBuilder("{\"bench\":\"grpc\",\"transport\":\"").append(r.transport().label())
                .append("\",\"test\":\"").append(r.test()).append("\",\"codec\":\"").append(r.codec())
                .append("\",\"payload_bytes\":").append(r.payloadBytes());
        if (r.rtt() != null) {
            LatencyStats s = r.rtt();
            b.append(",\"iterations\":").append(r.count()).append(",\"rtt_us\":{\"p50\":").append(micros(s.p50()))
                    .append(",\"p90\":").append(micros(s.p90())).append(",\"p99\":").append(micros(s.p99()))
                    .append(",\"max\":").append(micros(s.max())).append("},\"alloc_bytes_per_call\":")
                    .append(number(r.allocPerCall()));
        } else {
            b.append(",\"messages\":").append(r.count()).append(",\"msgs_per_s\":").append(Math.round(r.msgsPerSecond()))
                    .append(",\"alloc_bytes_per_msg\":").append(number(r.allocPerCall()));
        }
        return b.append('}').toString();
    }

    static String table(List<Row> rows) {
        StringBuilder b = new StringBuilder();
        String format = "%-10s %-11s %-7s %10s %8s %10s %10s %10s %10s %12s %12s%n";
        b.append(String.format(Locale.ROOT, format, "transport", "codec", "test", "bytes", "count", "p50 us", "p90 us",
                "p99 us", "max us", "msgs/s", "alloc B/call"));
        for (Row r : rows) {
            LatencyStats s = r.rtt();
            b.append(String.format(Locale.ROOT, format, r.transport().label(), r.codec(), r.test(), r.payloadBytes(),
                    r.count(),
                    s == null ? "" : micros(s.p50()), s == null ? "" : micros(s.p90()), s == null ? "" : micros(s.p99()),
                    s == null ? "" : micros(s.max()),
                    s == null ? String.format(Locale.ROOT, "%,d", Math.round(r.msgsPerSecond())) : "",
                    number(r.allocPerCall())));
        }
        return b.toString();
    }

    /** Issue 15's targets, as far as the rows allow: a line each, JSON (the shape of bench messages' target rows). */
    static List<String> targets(List<Row> rows, int largeBytes) {
        List<String> lines = new ArrayList<>();
        target(lines, rows, "protobuf", GrpcTransport.NETTY_TCP, 64, 10, true);
        target(lines, rows, "protobuf", GrpcTransport.NETTY_TCP, largeBytes, 50, true);
        target(lines, rows, "flatbuffers", GrpcTransport.NETTY_TCP, largeBytes, 50, true);
        target(lines, rows, "protobuf", GrpcTransport.INPROCESS, 64, 2, false);
        return lines;
    }

    /** ipc4j's unary p50 at {@code bytes} against {@code other}'s: theirs / ours at least, or ours / theirs at most. */
    private static void target(List<String> lines, List<Row> rows, String codec, GrpcTransport other, int bytes,
            double target, boolean atLeast) {
        Row ours = find(rows, GrpcTransport.IPC4J, codec, bytes);
        Row theirs = find(rows, other, codec, bytes);
        if (ours == null || theirs == null) {
            return;
        }
        String oursName = "ipc4j unary " + codec + " " + bytes + " B p50";
        String theirsName = other.label() + " unary " + codec + " " + bytes + " B p50";
        double value = atLeast ? (double) theirs.rtt().p50() / ours.rtt().p50() : (double) ours.rtt().p50() / theirs.rtt().p50();
        boolean met = atLeast ? value >= target : value <= target;
        lines.add(String.format(Locale.ROOT, "{\"bench\":\"grpc\",\"ratio\":\"%s\",\"target\":%s,\"at_least\":%s,"
                + "\"value\":%.3f,\"met\":%s}", atLeast ? theirsName + " / " + oursName : oursName + " / " + theirsName,
                number(target), atLeast, value, met));
    }

    private static Row find(List<Row> rows, GrpcTransport t, String codec, int bytes) {
        for (Row r : rows) {
            if (r.transport() == t && r.codec().equals(codec) && r.test().equals("unary") && r.payloadBytes() == bytes) {
                return r;
            }
        }
        return null;
    }
}
