package dev.ipc4j.session;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/** What {@link ClientApp.Builder} and {@link ServerApp.Builder} share: the name and who its processes must be. */
abstract class AppBuilder<B extends AppBuilder<B>> {
    final String name;
    Path executable;
    OptionalInt uid = OptionalInt.empty();
    OptionalInt gid = OptionalInt.empty();

    AppBuilder(String name) {
        this.name = checkName(name);
    }

    abstract B self();

    /** The absolute path its processes must run (as {@code /proc/PID/exe} shows it). */
    public B executable(Path path) {
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("an executable path must be absolute: " + path);
        }
        this.executable = path.normalize();
        return self();
    }

    /** The uid its processes must run as. */
    public B uid(int uid) {
        this.uid = OptionalInt.of(uid);
        return self();
    }

    /** The gid its processes must run as. */
    public B gid(int gid) {
        this.gid = OptionalInt.of(gid);
        return self();
    }

    Optional<Path> executableOrAny() {
        return Optional.ofNullable(executable);
    }

    /** {@code name} if it is an app name ({@link App#NAME}); else an IllegalArgumentException saying what one is. */
    static String checkName(String name) {
        if (name == null || !App.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("an app name is 1 to 48 of [A-Za-z0-9_-]: " + name);
        }
        return name;
    }
}
