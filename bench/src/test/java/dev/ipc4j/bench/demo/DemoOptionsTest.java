package dev.ipc4j.bench.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.bench.harness.WaitMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DemoOptionsTest {
    @Test
    void defaultsAreTheIssuesSizesBlockingAndPerSizeIterations() {
        DemoOptions o = DemoOptions.parse();
        assertEquals(List.of(100L << 10, 1L << 20, 10L << 20, 100L << 20, 1L << 30), o.sizes());
        assertEquals(WaitMode.BLOCK, o.waitMode());
        assertEquals(DemoStack.MESSAGE, o.stack(), "the whole stack by default");
        assertEquals("flatbuffers", o.zeroCopy());
        assertNull(o.html());
        assertEquals(-1, o.corruptPart());
        assertEquals(Duration.ofMinutes(10), o.timeout());
        // Many round trips where they are cheap, few where a copy takes about a second.
        assertEquals(2000, o.zeroCopyIterations(100L << 10));
        assertEquals(2000, o.zeroCopyIterations(1L << 30));
        assertEquals(1000, o.copyIterations(100L << 10));
        assertEquals(5, o.copyIterations(1L << 30));
        assertEquals(10_000, o.warmupFor(DemoMode.ZERO_COPY, 2000), "enough for the JIT");
        assertEquals(100, o.warmupFor(DemoMode.COPY, 1000));
        assertEquals(1, o.warmupFor(DemoMode.COPY, 5));
    }

    @Test
    void everyOptionIsRead() {
        DemoOptions o = DemoOptions.parse("--sizes", "100KiB, 1MiB,1GiB,1MiB", "--iterations", "7", "--warmup", "0", "--wait", "spin",
                "--json", "--html", "out.html", "--stack", "transport", "--zero-copy", "raw-shm", "--timeout", "30");
        assertEquals(List.of(100L << 10, 1L << 20, 1L << 30), o.sizes(), "in order, duplicates dropped");
        assertEquals(7, o.zeroCopyIterations(1L << 30));
        assertEquals(7, o.copyIterations(100L << 10));
        assertEquals(0, o.warmupFor(DemoMode.ZERO_COPY, 7));
        assertEquals(0, o.warmupFor(DemoMode.COPY, 7));
        assertEquals(WaitMode.SPIN, o.waitMode());
        assertTrue(o.json());
        assertEquals(Path.of("out.html"), o.html());
        assertEquals(Duration.ofSeconds(30), o.timeout());
        assertEquals(DemoStack.TRANSPORT, o.stack());
        assertEquals("raw-shm", o.zeroCopy());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--sizes 2KiB          | --sizes: 2KiB is outside 4 KiB..4 GiB",
            "--sizes 8GiB          | --sizes: 8GiB is outside 4 KiB..4 GiB",
            "--sizes 10XB          | unknown unit in '10XB' (B, KiB, MiB or GiB)",
            "--sizes ,             | --sizes needs at least one size",
            "--iterations 0        | --iterations must be positive",
            "--iterations many     | --iterations takes a whole number, not 'many'",
            "--warmup -1           | --warmup must not be negative",
            "--wait sometimes      | unknown wait mode 'sometimes' (spin, block or backoff)",
            "--zero-copy capnp     | unknown zero-copy mode 'capnp' (flatbuffers,raw-shm)",
            "--zero-copy raw-shm   | --zero-copy chooses the raw transport's implementation: use it with --stack transport",
            "--stack grpc          | --stack: 'grpc' is neither message nor transport",
            "--html                | Missing required parameter for option '--html' (FILE)",
            "--verbose             | Unknown option: '--verbose'"})
    void badOptionsSayWhatIsWrong(String args, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse(args.trim().split(" +")));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"4096,4096,4 KiB", "100KiB,102400,100 KiB", "1MiB,1048576,1 MiB", "1 GiB,1073741824,1 GiB", "3g,3221225472,3 GiB",
            "1000,1000,1000 B", "1536KiB,1572864,1536 KiB"})
    void sizesParseAndFormat(String text, long bytes, String formatted) {
        assertEquals(bytes, ByteSizes.parse(text));
        assertEquals(formatted, ByteSizes.format(bytes));
    }
}
