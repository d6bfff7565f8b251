package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.testing.integration.Empty;
import io.grpc.testing.integration.TestServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The parent's side of {@link InteropServerMain}: start one in a child JVM, stop it in good order. */
final class InteropServers {
    private InteropServers() {}

    /** A server process for the app in {@code runDir}, ready; {@link #tcpPort} tells its TCP port. */
    static Started start(Path runDir, String... options) {
        String[] args = new String[options.length + 1];
        args[0] = runDir.toString();
        System.arraycopy(options, 0, args, 1, options.length);
        JvmChild child = JvmChild.start(InteropServerMain.class, args);
        return new Started(child, Integer.parseInt(child.expect("READY").trim()));
    }

    /**
     * grpc's TCP transport (grpc-netty-shaded) opens a descriptor of its own, once per process, with its first channel
     * (a socket it keeps): a test class with leak checks calls this first, so they see only what each test leaves.
     */
    static void warmUpTcp(Path dir) throws Exception {
        Started server = start(dir);
        ManagedChannel tcp = Grpc.newChannelBuilder("127.0.0.1:" + server.tcpPort(), InsecureChannelCredentials.create())
                .build();
        TestServiceGrpc.newBlockingStub(tcp).withDeadlineAfter(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .emptyCall(Empty.getDefaultInstance());
        close(tcp);
        server.stop();
    }

    /** Shuts each channel down at once and checks that it terminated (its calls, threads and session gone). */
    static void close(ManagedChannel... channels) throws InterruptedException {
        for (ManagedChannel c : channels) {
            c.shutdownNow();
        }
        for (ManagedChannel c : channels) {
            assertTrue(c.awaitTermination(JvmChild.TIMEOUT.toSeconds(), TimeUnit.SECONDS), c + " terminated");
        }
    }

    /** A running server process and its TCP port. */
    record Started(JvmChild process, int tcpPort) {
        /** Tells it to exit and checks that it did, cleanly. */
        void stop() throws Exception {
            process.send("EXIT");
            process.expect("BYE");
            assertEquals(0, process.awaitExit());
            process.close();
        }
    }
}
