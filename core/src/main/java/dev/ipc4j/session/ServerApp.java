package dev.ipc4j.session;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A program that serves sessions: the client apps it knows, which of them it lets in, the permission level of
 * everything it creates, and the run directory where its clients find it (a pid file and a socket).
 *
 * <pre>{@code
 * ClientApp web = ClientApp.named("web").build();
 * ServerApp cache = ServerApp.named("cache").allowing(web).permissions(Permissions.GROUP).build();
 * }</pre>
 *
 * @param known the client apps this server knows, by name: a log-in naming another app is refused as unknown
 * @param allowed the names of the known apps that may log in; a known app not listed here is refused as not allowed
 * @param runDirectory where the pid file and socket live; empty: {@code $IPC4J_RUN_DIR}, else
 *     {@code $XDG_RUNTIME_DIR/ipc4j}, else {@code /tmp/ipc4j-UID}
 */
public record ServerApp(String name, Optional<Path> executable, OptionalInt uid, OptionalInt gid,
        Map<String, ClientApp> known, Set<String> allowed, Permissions permissions, Optional<Path> runDirectory)
        implements App {
    public ServerApp {
        AppBuilder.checkName(name);
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
        known = Map.copyOf(known);
        allowed = Set.copyOf(allowed);
        Objects.requireNonNull(permissions, "permissions");
        Objects.requireNonNull(runDirectory, "runDirectory");
        for (String a : allowed) {
            if (!known.containsKey(a)) {
                throw new IllegalArgumentException("allowed app '" + a + "' is not among the known apps " + known.keySet());
            }
        }
    }

    /** Starts the description of the server app {@code name} (see {@link App#NAME}). */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /** The run directory this app uses: the configured one, or the per-user default. */
    public Path resolvedRunDirectory() {
        return runDirectory.orElseGet(RunDirectory::defaultPath);
    }

    /** Builds a {@link ServerApp}. */
    public static final class Builder extends AppBuilder<Builder> {
        private final Map<String, ClientApp> known = new LinkedHashMap<>();
        private final Set<String> allowed = new java.util.LinkedHashSet<>();
        private Permissions permissions = Permissions.USER;
        private Path runDirectory;

        private Builder(String name) {
            super(name);
        }

        @Override
        Builder self() {
            return this;
        }

        /** Client apps that may log in (they become known too). */
        public Builder allowing(ClientApp... apps) {
            for (ClientApp app : apps) {
                knowing(app);
                allowed.add(app.name());
            }
            return this;
        }

        /** Client apps this server knows without letting them in (yet): their log-in is refused as not allowed. */
        public Builder knowing(ClientApp... apps) {
            for (ClientApp app : apps) {
                ClientApp before = known.putIfAbsent(app.name(), app);
                if (before != null && !before.equals(app)) {
                    throw new IllegalArgumentException("two different descriptions of client app '" + app.name() + "'");
                }
            }
            return this;
        }

        /** Who may connect and map the memory: the mode of the socket, pid file and shared memory (default {@link Permissions#USER}, 0600). */
        public Builder permissions(Permissions permissions) {
            this.permissions = Objects.requireNonNull(permissions);
            return this;
        }

        /** Where the socket and pid file go (default: $IPC4J_RUN_DIR, else $XDG_RUNTIME_DIR/ipc4j, else /tmp/ipc4j-UID). */
        public Builder runDirectory(Path directory) {
            this.runDirectory = directory.toAbsolutePath().normalize();
            return this;
        }

        /** The description, checked. */
        public ServerApp build() {
            return new ServerApp(name, executableOrAny(), uid, gid, known, allowed, permissions,
                    Optional.ofNullable(runDirectory));
        }
    }
}
