package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;

/**
 * One (transport, wait) run between this process and a child JVM: ping-pong, then throughput, over one connection.
 *
 * <p>Order: create the host, start the child with the host's address, wait for its {@code READY}, accept, measure, wait
 * for its {@code DONE} and its exit, close the host. Whatever fails, the child is killed and reaped, the host closed and
 * the work directory deleted; if the run overstays its timeout a watchdog kills the child, which wakes every wait in
 * this process (end of file, or the transport's peer-gone signal) instead of hanging.
 */
public final class CrossProcessRun {
    private CrossProcessRun() {}

    /** Runs {@code spec}; {@code pinning} may be null (not pinned). Returns the ping-pong and the throughput result. */
    public static List<Result> run(RunSpec spec, Pinning pinning) throws IOException, TimeoutException, InterruptedException {
        PingPongTransport transport = Transports.named(spec.transport());
        if (!transport.waits().contains(spec.waitMode())) {
            throw new IllegalArgumentException(spec.transport() + " has no " + spec.waitMode().label() + " mode");
        }
        long deadline = Deadlines.after(spec.timeout());
        Path workDir = Files.createTempDirectory("ipc4j-bench-");
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("bench-watchdog").unstarted(r));
        try (PingPongTransport.Host host = transport.host(spec.waitMode(), workDir, spec.payloadBytes());
                ChildJvm child = ChildJvm.start(pinning == null ? List.of() : pinning.childPrefix(), EchoSide.class,
                        spec.toArgs(host.address()), workDir.resolve("child.stderr"))) {
            watchdog.schedule(() -> child.process().destroyForcibly(), spec.timeout().toMillis(), TimeUnit.MILLISECONDS);
            try {
                child.expect("READY", deadline);
                Result pingPong;
                Result throughput;
                try (PingPongTransport.Link link = host.accept(deadline)) {
                    Placement placement = new Placement(ProcessHandle.current().pid(), Placement.cpusAllowed(ProcessHandle.current().pid()),
                            child.pid(), Placement.cpusAllowed(child.pid()), pinning != null);
                    pingPong = pingPong(link, spec, placement, deadline);
                    throughput = throughput(link, spec, placement, deadline);
                }
                String[] childAlloc = child.expect("DONE", deadline).split(" ");
                child.awaitExit(deadline);
                return List.of(withChildAlloc(pingPong, childAlloc[0]), withChildAlloc(throughput, childAlloc[1]));
            } catch (IOException | TimeoutException | RuntimeException e) {
                // The transport's error says what broke here; the child's stderr often says why.
                e.addSuppressed(new IOException("child side of " + spec.transport() + "/" + spec.waitMode().label() + ":" + child.stderrTail()));
                throw e;
            }
        } finally {
            watchdog.shutdownNow();
            FileTrees.delete(workDir);
        }
    }

    private static Result pingPong(PingPongTransport.Link link, RunSpec spec, Placement placement, long deadline)
            throws IOException, TimeoutException {
        Payload out = new Payload(spec.payloadBytes());
        Payload in = new Payload(spec.payloadBytes());
        Histogram histogram = LatencyStats.newHistogram();
        long sequence = 0;
        for (int i = 0; i < spec.warmup(); i++) {
            roundTrip(link, out, in, sequence++, deadline);
        }
        long before = Allocations.current();
        for (int i = 0; i < spec.iterations(); i++) {
            long nanos = roundTrip(link, out, in, sequence++, deadline);
            histogram.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
        }
        double alloc = Allocations.perMessage(before, Allocations.current(), spec.iterations());
        return new Result(spec.transport(), spec.waitMode(), BenchTest.PINGPONG, spec.payloadBytes(), spec.iterations(),
                LatencyStats.of(histogram), 0, alloc, Double.NaN, placement);
    }

    /** One timed round trip; the message is filled before and checked after the clock runs. */
    private static long roundTrip(PingPongTransport.Link link, Payload out, Payload in, long sequence, long deadline)
            throws IOException, TimeoutException {
        out.fill(sequence);
        long start = System.nanoTime();
        link.send(out, deadline);
        link.receive(in, deadline);
        long nanos = System.nanoTime() - start;
        if (!in.holds(sequence)) {
            throw new IOException("round trip " + sequence + " came back altered (sequence " + in.sequence() + ")");
        }
        return nanos;
    }

    private static Result throughput(PingPongTransport.Link link, RunSpec spec, Placement placement, long deadline)
            throws IOException, TimeoutException {
        Payload out = new Payload(spec.payloadBytes());
        Payload ack = new Payload(spec.payloadBytes());
        out.fill(0);
        long sequence = 0;
        for (int b = 0; b < spec.warmupBatches(); b++) {
            sequence = batch(link, out, ack, sequence, spec.batchSize(), deadline);
        }
        long before = Allocations.current();
        long start = System.nanoTime();
        for (int b = 0; b < spec.batches(); b++) {
            sequence = batch(link, out, ack, sequence, spec.batchSize(), deadline);
        }
        long nanos = System.nanoTime() - start;
        double alloc = Allocations.perMessage(before, Allocations.current(), spec.measuredMessages());
        double perSecond = spec.batches() == 0 ? 0 : spec.measuredMessages() * 1e9 / nanos;
        return new Result(spec.transport(), spec.waitMode(), BenchTest.THROUGHPUT, spec.payloadBytes(), spec.measuredMessages(),
                null, perSecond, alloc, Double.NaN, placement);
    }

    /** Sends one batch back to back and waits for the child's acknowledgement of its last message. */
    private static long batch(PingPongTransport.Link link, Payload out, Payload ack, long sequence, int size, long deadline)
            throws IOException, TimeoutException {
        for (int k = 0; k < size; k++) {
            out.sequence(sequence++);
            link.send(out, deadline);
        }
        link.receive(ack, deadline);
        if (ack.sequence() != sequence - 1) {
            throw new IOException("batch acknowledged " + ack.sequence() + ", expected " + (sequence - 1));
        }
        return sequence;
    }

    private static Result withChildAlloc(Result r, String childAlloc) {
        return new Result(r.transport(), r.waitMode(), r.test(), r.payloadBytes(), r.iterations(), r.rtt(), r.msgsPerSecond(),
                r.parentAllocBytesPerMessage(), Double.parseDouble(childAlloc), r.placement());
    }
}
