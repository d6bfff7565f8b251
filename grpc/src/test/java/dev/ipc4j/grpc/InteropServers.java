package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ipc4j.testing.JvmChild;
import java.nio.file.Path;

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
