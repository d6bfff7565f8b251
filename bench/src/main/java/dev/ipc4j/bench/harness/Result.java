package dev.ipc4j.bench.harness;

/**
 * One line of the report: a (transport, wait, test) triple.
 *
 * @param iterations measured round trips (ping-pong) or measured messages (throughput), warm-up excluded
 * @param rtt round-trip percentiles; null for throughput
 * @param msgsPerSecond one-way messages per second; 0 for ping-pong
 * @param parentAllocBytesPerMessage heap bytes the parent's measuring thread allocated per message while measuring
 * @param childAllocBytesPerMessage the same for the child's echo thread
 */
public record Result(
        String transport,
        WaitMode waitMode,
        BenchTest test,
        int payloadBytes,
        long iterations,
        LatencyStats rtt,
        double msgsPerSecond,
        double parentAllocBytesPerMessage,
        double childAllocBytesPerMessage,
        Placement placement) {}
