package dev.ipc4j.cli;

import dev.ipc4j.shm.ShmSweeper;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where {@code ls} and {@code clean} look; the defaults are where ipc4j puts things. */
final class PlacesOptions {
    @Option(names = "--shm-dir", paramLabel = "DIR", description = "Named shared memory (default: ${DEFAULT-VALUE}).")
    Path shmDirectory = ShmSweeper.SHM_DIRECTORY;

    @Option(names = "--run-dir", paramLabel = "DIR",
            description = "Sockets and pid files (default: $IPC4J_RUN_DIR, else $XDG_RUNTIME_DIR/ipc4j, else /tmp/ipc4j-UID).")
    Path runDirectory = ShmSweeper.defaultRunDirectory();

    ShmSweeper.Places places() {
        return new ShmSweeper.Places(shmDirectory, runDirectory);
    }
}
