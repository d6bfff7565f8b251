package dev.ipc4j.bench.harness;

import java.util.Locale;

/**
 * How a transport waits for the next message. Every result names its wait mode, because the same transport differs by
 * orders of magnitude between the two (and busy spin collapses when both processes share one vCPU).
 */
public enum WaitMode {
    /** Busy-poll without ever giving the CPU away: lowest latency, burns a core per waiting side. */
    SPIN,
    /** Let the kernel put the waiting thread to sleep (or the transport's closest equivalent, documented per transport). */
    BLOCK;

    /** The name used on the command line and in JSON: {@code spin} or {@code block}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WaitMode parse(String label) {
        for (WaitMode mode : values()) {
            if (mode.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown wait mode '" + label + "' (spin or block)");
    }
}
