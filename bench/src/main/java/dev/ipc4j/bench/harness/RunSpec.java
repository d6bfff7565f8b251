package dev.ipc4j.bench.harness;

import java.time.Duration;
import java.util.List;

/**
 * Everything both processes must agree on for one (transport, wait) run; the parent passes it to the child as
 * arguments, so the child's loop mirrors the parent's exactly without further coordination.
 *
 * @param warmup ping-pong round trips before measuring (not recorded)
 * @param iterations measured ping-pong round trips
 * @param batchSize throughput messages sent back to back before one acknowledgement
 * @param warmupBatches throughput batches before measuring
 * @param batches measured throughput batches
 * @param pollLimit the most throughput messages the reader takes in one poll (1: one receive per message)
 * @param timeout the whole run (start to child exit) must fit in it; then the child is killed and the run fails
 */
public record RunSpec(String transport, WaitMode waitMode, int payloadBytes, int warmup, int iterations, int batchSize,
        int warmupBatches, int batches, int pollLimit, Duration timeout) {

    public RunSpec {
        if (payloadBytes < Payload.MIN_BYTES) {
            throw new IllegalArgumentException("payload must be at least " + Payload.MIN_BYTES + " bytes");
        }
        if (warmup < 0 || iterations < 1 || batchSize < 1 || warmupBatches < 0 || batches < 0 || pollLimit < 1) {
            throw new IllegalArgumentException("counts must be positive: " + this);
        }
    }

    public long measuredMessages() {
        return (long) batchSize * batches;
    }

    /** The child's arguments: {@code address} first, then this spec. */
    List<String> toArgs(String address) {
        return List.of(address, transport, waitMode.label(), Integer.toString(payloadBytes), Integer.toString(warmup),
                Integer.toString(iterations), Integer.toString(batchSize), Integer.toString(warmupBatches),
                Integer.toString(batches), Integer.toString(pollLimit), Long.toString(timeout.toMillis()));
    }

    /** Reads what {@link #toArgs} wrote, from index 1 on (index 0 is the address). */
    static RunSpec fromArgs(String[] args) {
        if (args.length != 11) {
            throw new IllegalArgumentException("expected 11 arguments, got " + args.length);
        }
        return new RunSpec(args[1], WaitMode.parse(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                Integer.parseInt(args[5]), Integer.parseInt(args[6]), Integer.parseInt(args[7]), Integer.parseInt(args[8]),
                Integer.parseInt(args[9]), Duration.ofMillis(Long.parseLong(args[10])));
    }
}
