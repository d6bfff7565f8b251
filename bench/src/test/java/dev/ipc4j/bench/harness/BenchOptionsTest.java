package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void defaultsMeasureAHundredThousandRoundTripsOverEveryTransportAndWait() {
        BenchOptions o = BenchOptions.parse();
        assertEquals(100_000, o.iterations());
        assertEquals(64, o.payloadBytes());
        assertEquals(List.of("unix", "tcp", "aeron", "ring", "socketpipe"), o.transports());
        assertEquals(List.of(WaitMode.SPIN, WaitMode.BLOCK), o.waits());
        assertFalse(o.json());
        assertFalse(o.pin());
        RunSpec spec = o.spec("unix", WaitMode.BLOCK);
        assertEquals(4_000_000, spec.measuredMessages());
        assertTrue(spec.warmupBatches() >= 1);
        // Spinning round trips are 100x shorter: ten times as many of them, so the JIT is done before the clock runs.
        assertEquals(20_000, spec.warmup());
        assertEquals(200_000, o.spec("ring", WaitMode.SPIN).warmup());
        assertEquals(10, BenchOptions.parse("--warmup", "10").spec("ring", WaitMode.SPIN).warmup(), "given, it is kept");
        assertEquals(400, o.spec("ring", WaitMode.SPIN).warmupBatches(), "spin throughput warms up with all it measures");
        assertEquals(40, spec.warmupBatches(), "other waits with a tenth");
    }

    @Test
    void optionsOfTheIssueAreUnderstood() {
        BenchOptions o = BenchOptions.parse("--iterations", "1000", "--warmup", "10", "--json", "--transports", "aeron,unix", "--pin",
                "--waits", "block");
        assertEquals(1000, o.iterations());
        assertEquals(10, o.warmup());
        assertTrue(o.json());
        assertTrue(o.pin());
        assertEquals(List.of("aeron", "unix"), o.transports());
        assertEquals(List.of(WaitMode.BLOCK), o.waits());
    }

    @Test
    void specSurvivesTheTripToTheChild() {
        RunSpec spec = BenchOptions.parse("--messages", "2500", "--batch", "1000").spec("tcp", WaitMode.SPIN);
        List<String> args = spec.toArgs("127.0.0.1:4000");
        assertEquals("127.0.0.1:4000", args.getFirst());
        assertEquals(spec, RunSpec.fromArgs(args.toArray(String[]::new)));
        assertEquals(2, spec.batches());
    }

    @Test
    void mistakesAreRejectedWithAReason() {
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--transports", "carrier-pigeon"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--iterations", "0"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--iterations"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--payload", "4096"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--waits", "sleep"));
        assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse("--fast"));
    }
}
