package dev.ipc4j.session;

import java.nio.file.Path;

/** The app descriptions the session tests share, as programs would share a class of constants. */
final class Apps {
    static final ClientApp WEB = ClientApp.named("web").build();
    static final ClientApp ADMIN = ClientApp.named("admin").build();

    private Apps() {}

    /** The cache server: knows web and admin, lets only web in; lives in {@code runDirectory}. */
    static ServerApp cache(Path runDirectory) {
        return cache(runDirectory, Permissions.USER, WEB);
    }

    static ServerApp cache(Path runDirectory, Permissions permissions, ClientApp web) {
        return ServerApp.named("cache").allowing(web).knowing(ADMIN).permissions(permissions).runDirectory(runDirectory).build();
    }
}
