package dev.ipc4j.bench.harness;

import java.util.Locale;

/** The two measurements of {@code bench small}. */
public enum BenchTest {
    /** The parent sends one message, the child sends it back; the clock runs from send to the echo's arrival. */
    PINGPONG,
    /** The parent sends a batch back to back, the child acknowledges the batch's last message; messages per second. */
    THROUGHPUT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
