package dev.ipc4j.examples;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import java.nio.file.Path;

/** Who may talk to whom: the one description both the cache server and its clients build. */
final class CacheApps {
    static final ClientApp WEB = ClientApp.named("web").build();
    /** {@code ipc4j inspect}, which observes the server's messages through its tap. */
    static final ClientApp INSPECT = ClientApp.named("inspect").build();

    private CacheApps() {}

    /** The cache server app; {@code runDirectory} null means the per-user default. */
    static ServerApp cache(Path runDirectory) {
        ServerApp.Builder b = ServerApp.named("cache").allowing(WEB, INSPECT);
        if (runDirectory != null) {
            b.runDirectory(runDirectory);
        }
        return b.build();
    }

    /** {@code --run-dir DIR} if given. */
    static Path runDirectory(String[] args) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals("--run-dir")) {
                return Path.of(args[i + 1]);
            }
        }
        return null;
    }
}
