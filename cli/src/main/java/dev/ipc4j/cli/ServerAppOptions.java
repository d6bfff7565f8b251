package dev.ipc4j.cli;

import dev.ipc4j.session.ServerApp;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The server app a command connects to, as a client does: its name, and where its socket is. */
final class ServerAppOptions {
    @Parameters(index = "0", paramLabel = "APP", description = "The server's app.")
    String app;

    @Option(names = "--run-dir", paramLabel = "DIR", description = "Where the server's socket is (default: the user's ipc4j run directory).")
    private Path runDir;

    /** The server's description, as a client builds it (no executable or uid to check). */
    ServerApp serverApp() {
        ServerApp.Builder server = ServerApp.named(app);
        if (runDir != null) {
            server.runDirectory(runDir);
        }
        return server.build();
    }
}
