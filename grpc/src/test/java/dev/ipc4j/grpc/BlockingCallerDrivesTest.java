package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.Runner;
import io.grpc.ManagedChannel;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.SimpleRequest;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blocking stub's caller reads its own answer (the call drives the session's channel in {@code halfClose}), so the
 * channel's runner does not have to wake for each response and then wake the caller. Seen from the runner thread (its
 * schedstat, Linux): it barely runs through a run of blocking calls, while a future stub's calls (answers read by the
 * runner, as before) keep it busy.
 */
class BlockingCallerDrivesTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final int CALLS = 1_000;
    /** The runner thread's name (the runner adds a number), short enough for the kernel's 15-character name. */
    private static final String RUNNER = "drive-probe";

    @TempDir
    Path runDir;

    @Test
    void aBlockingStubsCallerReadsItsAnswerWhileTheRunnerSleeps() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        try (Runner runner = Runner.start(Runner.Config.DEFAULT.withName(RUNNER))) {
            ManagedChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir))
                    .sessionConfig(ClientSession.Config.DEFAULT.withSession(SessionConfig.DEFAULT.withRunner(runner)))
                    .build();
            try {
                TestServiceGrpc.TestServiceBlockingStub blocking = TestServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                TestServiceGrpc.TestServiceFutureStub future = TestServiceGrpc.newFutureStub(channel);
                assertEquals(0, blocking.unaryCall(SimpleRequest.getDefaultInstance()).getPayload().getBody().size());
                Path runnerThread = threadNamed(RUNNER);

                long before = timesRun(runnerThread);
                for (int i = 0; i < CALLS; i++) {
                    blocking.emptyCall(Empty.getDefaultInstance());
                }
                long whileBlocking = timesRun(runnerThread) - before;

                before = timesRun(runnerThread);
                for (int i = 0; i < CALLS; i++) {
                    future.emptyCall(Empty.getDefaultInstance()).get(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
                long whileFuture = timesRun(runnerThread) - before;

                // Blocking: the runner runs for its periodic checks and an occasional hand-back (measured: 560-610
                // times per 1,000 calls); future: it reads every answer, then spins and yields (3,700-4,600).
                assertTrue(whileBlocking * 3 < whileFuture, "the runner ran " + whileBlocking + " times during " + CALLS
                        + " blocking calls and " + whileFuture + " times during as many future calls");
            } finally {
                InteropServers.close(channel);
            }
        } finally {
            server.stop();
        }
    }

    /** The /proc directory of this process's thread whose name starts with {@code prefix} (one, or the test fails). */
    private static Path threadNamed(String prefix) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            List<Path> all = tasks.toList();
            List<Path> named = all.stream().filter(t -> name(t).startsWith(prefix)).toList();
            assertEquals(1, named.size(), "threads named " + prefix + "*: " + named + " among "
                    + all.stream().map(BlockingCallerDrivesTest::name).toList());
            return named.getFirst();
        }
    }

    private static String name(Path thread) {
        try {
            return Files.readString(thread.resolve("comm")).strip();
        } catch (IOException e) {
            return ""; // a thread that ended meanwhile
        }
    }

    /** How many times the thread was put on a CPU (the third field of its schedstat). */
    private static long timesRun(Path thread) throws IOException {
        return Long.parseLong(Files.readString(thread.resolve("schedstat")).strip().split(" ")[2]);
    }
}
