package dev.ipc4j.session;

import dev.ipc4j.shm.ShmSweeper;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Where a server app is found: in its run directory, {@code ipc4j.APP.pid} holds the running server's pid and
 * {@code ipc4j.APP.PID.sock} is its socket; {@code ipc4j.APP.lock} is what a server holds locked while it runs
 * (never removed: removing a lock file others may be opening would let two servers in).
 */
final class RunDirectory {
    private RunDirectory() {}

    static Path defaultPath() {
        return ShmSweeper.defaultRunDirectory();
    }

    static Path lockFile(Path dir, String app) {
        return dir.resolve("ipc4j." + app + ".lock");
    }

    static Path pidFile(Path dir, String app) {
        return dir.resolve("ipc4j." + app + ".pid");
    }

    static Path socket(Path dir, String app, long pid) {
        return dir.resolve("ipc4j." + app + "." + pid + ".sock");
    }

    /** Creates the directory (and missing parents) with the permission level's directory bits if it is missing. */
    static void ensure(Path dir, Permissions permissions) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        Path parent = dir.getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            Files.createDirectory(dir);
            Files.setPosixFilePermissions(dir, bits(permissions.directoryMode()));
        } catch (FileAlreadyExistsException raced) {
            // another process made it meanwhile
        }
    }

    /** Writes the pid file whole or not at all (a reader never sees half a number). */
    static void writePid(Path dir, String app, long pid, Permissions permissions) throws IOException {
        Path tmp = dir.resolve("ipc4j." + app + ".pid." + pid + ".tmp");
        Files.writeString(tmp, pid + "\n");
        Files.setPosixFilePermissions(tmp, bits(permissions.mode()));
        Files.move(tmp, pidFile(dir, app), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The pid in the app's pid file, if there is a readable one. */
    static OptionalLong readPid(Path dir, String app) {
        try {
            String text = Files.readString(pidFile(dir, app)).trim();
            if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(Character::isDigit)) {
                return OptionalLong.empty();
            }
            return OptionalLong.of(Long.parseLong(text));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    static Set<PosixFilePermission> bits(int mode) {
        StringBuilder s = new StringBuilder(9);
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            s.append((mode & (1 << i)) != 0 ? rwx.charAt(2 - i % 3) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }
}
