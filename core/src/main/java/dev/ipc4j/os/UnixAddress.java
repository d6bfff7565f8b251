package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a Unix domain socket listens: a filesystem path (guarded by its file mode) or a name in the abstract
 * namespace (no file; visible to every process in the network namespace, so only for what needs no access control).
 *
 * <pre>
 * struct sockaddr_un (110 bytes): offset 0 sun_family u16 = AF_UNIX | offset 2 sun_path char[108]
 * abstract names: sun_path[0] = 0, then the name, with no terminating NUL (the length says where it ends)
 * </pre>
 */
public record UnixAddress(String name, boolean isAbstract) {
    static final short AF_UNIX = 1;
    private static final int SUN_PATH = 2;
    private static final int SUN_PATH_SIZE = 108;

    public UnixAddress {
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        int max = SUN_PATH_SIZE - 1; // a path needs its NUL, an abstract name its leading 0
        if (name.isEmpty() || bytes > max || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a Unix socket " + (isAbstract ? "name" : "path") + " must have 1 to " + max
                    + " bytes without NUL: \"" + name + "\" has " + bytes);
        }
    }

    public static UnixAddress of(Path path) {
        return new UnixAddress(path.toString(), false);
    }

    public static UnixAddress ofAbstract(String name) {
        return new UnixAddress(name, true);
    }

    /** The filesystem path, or empty for an abstract name. */
    public Optional<Path> path() {
        return isAbstract ? Optional.empty() : Optional.of(Path.of(name));
    }

    /** Writes the sockaddr_un into {@code arena}; returns it sized to the length to pass to bind/connect. */
    MemorySegment encode(Arena arena) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int pathLength = isAbstract ? 1 + bytes.length : bytes.length + 1;
        MemorySegment address = arena.allocate(SUN_PATH + SUN_PATH_SIZE, 2);
        address.set(ValueLayout.JAVA_SHORT, 0, AF_UNIX);
        MemorySegment.copy(bytes, 0, address, ValueLayout.JAVA_BYTE, SUN_PATH + (isAbstract ? 1 : 0), bytes.length);
        return address.asSlice(0, SUN_PATH + pathLength);
    }

    @Override
    public String toString() {
        return isAbstract ? "@" + name : name;
    }
}
