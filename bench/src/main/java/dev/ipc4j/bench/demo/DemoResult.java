package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.bench.harness.WaitMode;

/** The measured round trips of one (payload size, mode) through {@code stack}: percentiles in nanoseconds. */
public record DemoResult(long payloadBytes, DemoMode mode, DemoStack stack, WaitMode waitMode, int iterations, LatencyStats rtt) {}
