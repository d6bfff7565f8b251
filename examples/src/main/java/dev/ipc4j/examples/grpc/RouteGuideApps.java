package dev.ipc4j.examples.grpc;

import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ServerApp;
import java.nio.file.Path;

/** Who may talk to whom in the gRPC example: the one description both processes build. */
final class RouteGuideApps {
    static final ClientApp WALKER = ClientApp.named("walker").build();
    /** {@code ipc4j gateway route-guide} logs in as this app: curl-able methods, JSON in and out. */
    static final ClientApp GATEWAY = ClientApp.named("gateway").build();

    private RouteGuideApps() {}

    /** The route guide server app; {@code runDirectory} null means the per-user default. */
    static ServerApp guide(Path runDirectory) {
        ServerApp.Builder b = ServerApp.named("route-guide").allowing(WALKER, GATEWAY);
        if (runDirectory != null) {
            b.runDirectory(runDirectory);
        }
        return b.build();
    }

    /** {@code --NAME VALUE} if given, else null. */
    static String option(String[] args, String name) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return null;
    }
}
