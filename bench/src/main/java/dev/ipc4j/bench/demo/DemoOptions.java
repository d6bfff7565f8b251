package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.OptionNumbers;
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
 */
public record DemoOptions(List<Long> sizes, int iterations, int warmup, WaitMode waitMode, boolean json, Path html, DemoStack stack,
        String zeroCopy, Duration timeout, int corruptPart, boolean help) {

    static final int ZERO_COPY_WARMUP = 10_000;

    public static final List<Long> DEFAULT_SIZES = List.of(100L << 10, 1L << 20, 10L << 20, 100L << 20, 1L << 30);

    /** Smallest payload: the header, a table entry and at least one byte of a part fit. */
    public static final long MIN_SIZE = 4096;

    /** Largest payload: the copied baseline reads it into one buffer of this process. */
    public static final long MAX_SIZE = 4L << 30;

    public static final String USAGE = """
            usage: ./ipc4j demo [options]
              A server JVM (a SessionServer) answers each GetFileReq with a FlatBuffers GetFileRsp of the payload size
              (16 KiB parts, each with its size and a 64-bit hash, built once in its session's shared memory before the
              clock starts); this JVM, the client (a ClientSession), times the round trip over a MessageChannel until it
              holds the response's root, zero-copy (only a handle crosses), then the same bytes copied over a Unix
              socket as the baseline. Prints p50/p90/p99 per size and mode and the speed-up.
              --sizes LIST       payload sizes, e.g. 100KiB,1MiB,1GiB (default 100KiB,1MiB,10MiB,100MiB,1GiB; 4KiB..4GiB)
              --iterations N     measured round trips per size and mode (default: 2000 zero-copy for every size;
                                 copied 1000 for 100 KiB, 300 for 1 MiB, 40 for 10 MiB, 10 for 100 MiB, 5 for 1 GiB)
              --warmup N         round trips before measuring, not recorded (default: 10000 zero-copy, a tenth of
                                 the copied ones)
              --wait MODE        how both processes wait on the channel: block (default; park at once), spin
                                 (busy spin, a core per side) or backoff (the library's default: spin a few
                                 microseconds, yield, park); the copied baseline always uses blocking socket I/O
              --json             one JSON object per line per (size, mode) on stdout; the table goes to stderr
              --html FILE        also write a self-contained HTML report with a log-log chart
              --stack NAME       message (default): session + MessageChannel + FlatBuffers codec, what a user's code
                                 runs on; transport: the raw-transport rows, a hand-rolled protocol over a
                                 transport.Channel below the session and message layers
              --zero-copy NAME   with --stack transport: its zero-copy implementation (default %s; available: %s)
              --timeout S        seconds the whole run may take before the server is killed (default 600)
              -h, --help         this text
            Exit code: 0 when every size ran and verified, 1 when something failed, 2 for bad options.
            """;

    public static String usage() {
        return USAGE.formatted(ZeroCopyModes.DEFAULT, String.join(",", ZeroCopyModes.names()));
    }

    public static DemoOptions parse(String... args) {
        List<Long> sizes = DEFAULT_SIZES;
        int iterations = 0;
        int warmup = -1;
        WaitMode wait = WaitMode.BLOCK;
        boolean json = false;
        Path html = null;
        DemoStack stack = DemoStack.MESSAGE;
        String zeroCopy = null;
        Duration timeout = Duration.ofMinutes(10);
        int corruptPart = -1;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "-h", "--help" -> help = true;
                case "--json" -> json = true;
                case "--sizes" -> sizes = sizes(value(args, ++i, arg));
                case "--iterations" -> iterations = OptionNumbers.positive(arg, value(args, ++i, arg));
                case "--warmup" -> warmup = OptionNumbers.nonNegative(arg, value(args, ++i, arg));
                case "--wait" -> wait = WaitMode.parse(value(args, ++i, arg));
                case "--html" -> html = Path.of(value(args, ++i, arg));
                case "--stack" -> stack = DemoStack.parse(value(args, ++i, arg));
                case "--zero-copy" -> zeroCopy = ZeroCopyModes.named(value(args, ++i, arg)).name();
                case "--timeout" -> timeout = Duration.ofSeconds(OptionNumbers.positive(arg, value(args, ++i, arg)));
                case "--corrupt-part" -> corruptPart = OptionNumbers.nonNegative(arg, value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
            }
        }
        if (zeroCopy != null && stack != DemoStack.TRANSPORT) {
            throw new IllegalArgumentException("--zero-copy chooses the raw transport's implementation: use it with --stack transport");
        }
        return new DemoOptions(sizes, iterations, warmup, wait, json, html, stack, zeroCopy == null ? ZeroCopyModes.DEFAULT : zeroCopy,
                timeout, corruptPart, help);
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

    private static List<Long> sizes(String value) {
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

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
