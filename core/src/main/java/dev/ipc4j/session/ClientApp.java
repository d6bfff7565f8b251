package dev.ipc4j.session;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A program that opens sessions with a {@link ServerApp}.
 *
 * <pre>{@code
 * ClientApp web = ClientApp.named("web").build();
 * ClientApp strictWeb = ClientApp.named("web").executable(Path.of("/opt/web/bin/java")).uid(1001).build();
 * }</pre>
 */
public record ClientApp(String name, Optional<Path> executable, OptionalInt uid, OptionalInt gid) implements App {
    public ClientApp {
        AppBuilder.checkName(name);
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
    }

    /** Starts the description of the client app {@code name} (see {@link App#NAME}). */
    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Builds a {@link ClientApp}; only the name is required. */
    public static final class Builder extends AppBuilder<Builder> {
        private Builder(String name) {
            super(name);
        }

        @Override
        Builder self() {
            return this;
        }

        /** The description, checked. */
        public ClientApp build() {
            return new ClientApp(name, executableOrAny(), uid, gid);
        }
    }
}
