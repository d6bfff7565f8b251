package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Real, short runs between this JVM and a child JVM. They check behaviour only (every message came back intact, the
 * child is gone, nothing is left behind), never speed: the machine may be busy.
 */
class CrossProcessRunTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    // Only what a benchmark could have made (Aeron directories, ipc4j objects): another engineer's run in a shared
    // /dev/shm must not fail this test.
    @RegisterExtension
    static final NothingLeftBehind NOTHING_LEFT = new NothingLeftBehind("child processes",
            name -> name.startsWith("aeron") || name.startsWith("ipc4j"), "ipc4j-bench-");

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"unix,block", "unix,spin", "tcp,block", "aeron,spin", "aeron,block", "ring,spin", "ring,block", "socketpipe,block"})
    @Timeout(120)
    void everyMessageComesBackIntactAndTheChildIsGone(String transport, String wait) throws Exception {
        RunSpec spec = new RunSpec(transport, WaitMode.parse(wait), 64, 100, 1_000, 500, 1, 4, 64, TIMEOUT);

        List<Result> results = CrossProcessRun.run(spec, null);

        // The run throws if any echo differed from what was sent, or a throughput message arrived out of order, so
        // completing with full counts means all of them made the trip intact.
        assertEquals(2, results.size());
        Result pingPong = results.get(0);
        assertEquals(BenchTest.PINGPONG, pingPong.test());
        assertEquals(transport, pingPong.transport());
        assertEquals(1_000, pingPong.iterations());
        assertNotNull(pingPong.rtt());
        assertEquals(1_000, pingPong.rtt().count());
        assertTrue(pingPong.rtt().p50() > 0 && pingPong.rtt().p50() <= pingPong.rtt().p99() && pingPong.rtt().p99() <= pingPong.rtt().max());
        Result throughput = results.get(1);
        assertEquals(BenchTest.THROUGHPUT, throughput.test());
        assertEquals(2_000, throughput.iterations());
        assertNull(throughput.rtt());
        assertTrue(throughput.msgsPerSecond() > 0);

        Placement placement = pingPong.placement();
        assertEquals(ProcessHandle.current().pid(), placement.parentPid());
        assertFalse(placement.childCpus().isEmpty());
        assertFalse(ProcessHandle.of(placement.childPid()).map(ProcessHandle::isAlive).orElse(false), "child still alive");
    }

    @Test
    @Timeout(120)
    void aPinnedChildRunsWhereItWasPutAndThePlacementSaysSo() throws Exception {
        // Only the child is pinned here (pinning this test JVM would outlast the test); the last CPU we may use, so the
        // test also runs on a one-CPU machine.
        List<Integer> cpus = CpuList.parse(Placement.cpusAllowed(ProcessHandle.current().pid()));
        int childCpu = cpus.getLast();
        RunSpec spec = new RunSpec("unix", WaitMode.BLOCK, 64, 10, 100, 10, 1, 1, 64, TIMEOUT);

        List<Result> results = CrossProcessRun.run(spec, new Pinning(cpus.getFirst(), childCpu));

        Placement placement = results.getFirst().placement();
        assertTrue(placement.pinned());
        assertEquals(Integer.toString(childCpu), placement.childCpus());
    }

    @ParameterizedTest(name = "{0}/{1}")
    @CsvSource({"unix,block", "aeron,spin"})
    @Timeout(120)
    void aRunThatOverstaysItsTimeoutFailsAndCleansUp(String transport, String wait) {
        // Far more round trips than fit in 3 s: the watchdog kills the child, and this side's wait must end with an
        // error (end of file, or its own deadline) instead of hanging.
        RunSpec spec = new RunSpec(transport, WaitMode.parse(wait), 64, 0, Integer.MAX_VALUE, 1, 0, 0, 64, Duration.ofSeconds(3));

        Exception e = assertThrows(Exception.class, () -> CrossProcessRun.run(spec, null));

        assertTrue(e instanceof IOException || e instanceof TimeoutException, e.toString());
    }

    @Test
    @Timeout(120)
    void aChildThatIsNotReadyInTimeFailsTheRunAndIsKilled() {
        // 1 ms is too short for a JVM to start: waiting for READY must end in an error, and the child be killed
        // (checked after each test). Which error depends on who is first: our wait timing out, or the watchdog's kill
        // ending the child's output.
        RunSpec spec = new RunSpec("unix", WaitMode.BLOCK, 64, 0, 10, 1, 0, 0, 64, Duration.ofMillis(1));

        Exception e = assertThrows(Exception.class, () -> CrossProcessRun.run(spec, null));

        assertTrue(e instanceof TimeoutException || e.getMessage().contains("ended while we waited for 'READY'"), e.toString());
    }
}
