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
        App.checkName(name);
        Objects.requireNonNull(executable, "executable");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(gid, "gid");
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    /** Builds a {@link ClientApp}; only the name is required. */
    public static final class Builder {
        private final String name;
        private Path executable;
        private OptionalInt uid = OptionalInt.empty();
        private OptionalInt gid = OptionalInt.empty();

        private Builder(String name) {
            this.name = App.checkName(name);
        }

        /** The absolute path its processes must run (as {@code /proc/PID/exe} shows it). */
        public Builder executable(Path path) {
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("an executable path must be absolute: " + path);
            }
            this.executable = path.normalize();
            return this;
        }

        public Builder uid(int uid) {
            this.uid = OptionalInt.of(uid);
            return this;
        }

        public Builder gid(int gid) {
            this.gid = OptionalInt.of(gid);
            return this;
        }

        public ClientApp build() {
            return new ClientApp(name, Optional.ofNullable(executable), uid, gid);
        }
    }
}
