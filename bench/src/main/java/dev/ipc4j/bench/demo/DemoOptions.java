package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.ToolCommand;
import dev.ipc4j.bench.harness.WaitMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@code ./ipc4j demo}. Without {@code --iterations} each size gets its own count (many round trips for
 * small payloads, few for 1 GiB, whose copied baseline alone takes about a second per round trip), chosen so the default
 * run ends well under two minutes on 2 cores.
 *
 * @param sizes payload sizes in bytes, in the order given
 * @param iterations measured round trips per size and mode; 0 means the per-size defaults
 * @param warmup round trips before measuring; -1 means the per-size defaults
 * @param stack the layers the zero-copy rows go through: the whole stack (message, the default) or the raw transport
 * @param zeroCopy the raw transport's zero-copy implementation ({@link ZeroCopyModes}); used with {@code --stack transport}
 * @param corruptPart test hook, not in the usage text: the server flips a byte of this part after hashing it, so the
 *     client's verification must fail; -1 for none
 * @param cold Flow-IPC's methodology ({@link ColdDemo}): a fresh server and client JVM pair per size, mode and run,
 *     timing its one and first round trip
 * @param runs with {@code cold}: the pairs per size and mode (medians and extremes over them)
 */
public record DemoOptions(List<Long> sizes, int iterations, int warmup, WaitMode waitMode, boolean json, Path html, DemoStack stack,
        String zeroCopy, Duration timeout, int corruptPart, boolean cold, int runs) {

    /** Fresh pairs per size and mode of {@code demo --cold}, as Flow-IPC's runs were counted for issue 18. */
    static final int COLD_RUNS = 7;

    static final int ZERO_COPY_WARMUP = 10_000;

    public static final List<Long> DEFAULT_SIZES = List.of(100L << 10, 1L << 20, 10L << 20, 100L << 20, 1L << 30);

    /** Smallest payload: the header, a table entry and at least one byte of a part fit. */
    public static final long MIN_SIZE = 4096;

    /** Largest payload: the copied baseline reads it into one buffer of this process. */
    public static final long MAX_SIZE = 4L << 30;

    /**
     * Reads {@code ./ipc4j demo}'s words ({@link DemoCommand}'s parser).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static DemoOptions parse(String... args) {
        return ToolCommand.parse(new DemoCommand(), args);
    }

    /**
     * Measured zero-copy round trips for {@code size}: the option, or 2000 for every size (a zero-copy round trip costs
     * the same at every size, which is the point).
     */
    public int zeroCopyIterations(long size) {
        return iterations > 0 ? iterations : 2000;
    }

    /** Measured copied round trips for {@code size}: the option, or the per-size default (a 1 GiB copy takes ~0.3-1.6 s). */
    public int copyIterations(long size) {
        if (iterations > 0) {
            return iterations;
        }
        return size <= (256L << 10) ? 1000 : size <= (4L << 20) ? 300 : size <= (32L << 20) ? 40 : size <= (256L << 20) ? 10 : 5;
    }

    /**
     * Round trips before measuring {@code measured} ones in {@code mode}: the option, or by default 10,000 zero-copy
     * ones (cheap, and enough for both JVMs' JIT to compile the round trip's path) and a tenth of the copied ones.
     */
    public int warmupFor(DemoMode mode, int measured) {
        if (warmup >= 0) {
            return warmup;
        }
        return mode == DemoMode.ZERO_COPY ? ZERO_COPY_WARMUP : Math.max(1, measured / 10);
    }

    /** These options for one fresh pair of {@code demo --cold}: {@code size} only, one round trip, no warm-up. */
    DemoOptions firstRoundTrip(long size) {
        return new DemoOptions(List.of(size), 1, 0, waitMode, false, null, stack, zeroCopy, timeout, corruptPart, true, 1);
    }

    static List<Long> sizes(String value) {
        List<Long> out = new ArrayList<>();
        for (String part : value.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            long size = ByteSizes.parse(part);
            if (size < MIN_SIZE || size > MAX_SIZE) {
                throw new IllegalArgumentException("--sizes: " + part.trim() + " is outside " + ByteSizes.format(MIN_SIZE) + ".."
                        + ByteSizes.format(MAX_SIZE));
            }
            if (!out.contains(size)) {
                out.add(size);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--sizes needs at least one size");
        }
        return List.copyOf(out);
    }
}
