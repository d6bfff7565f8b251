package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.transport.Channel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * What client and server of the raw-transport demo ({@code --stack transport}) say to each other; the full stack's
 * exchange is {@link MessageDemo}'s. The copy socket's name and request size are shared by both. Control messages on
 * the channel's blob pipe are 24 bytes: {@code op u64, a u64, b u64}, little-endian. The zero-copy response is the mode's handle alone (32 bytes for
 * raw-shm), so a round trip is one 24-byte request and one handle.
 *
 * <pre>
 * client -> server            server -> client
 * PREPARE size corruptPart    PREPARE (response built and faulted in; nothing timed yet)
 * REQUEST                     the handle                           (timed: zero-copy round trip)
 * COPY count                  nothing on the channel; then count times on the copy socket:
 *                               8-byte request -> size bytes       (timed: copied round trip)
 * RELEASE                     RELEASE (response and copy buffer given back)
 * end of stream               server closes everything, says DONE on stdout, exits 0
 * </pre>
 */
final class DemoProtocol {
    static final long PREPARE = 1;
    static final long REQUEST = 2;
    static final long COPY = 3;
    static final long RELEASE = 4;

    static final int CONTROL_BYTES = 24;
    static final int COPY_REQUEST_BYTES = 8;
    static final String CHANNEL_SOCKET = "demo.sock";
    static final String COPY_SOCKET = "copy.sock";

    private DemoProtocol() {}

    static Channel.Config config(WaitMode wait) {
        return Channel.Config.DEFAULT.withWait(wait.strategy());
    }

    static Path channelSocket(Path workDir) {
        return workDir.resolve(CHANNEL_SOCKET);
    }

    static Path copySocket(Path workDir) {
        return workDir.resolve(COPY_SOCKET);
    }

    static void write(MemorySegment control, long op, long a, long b) {
        control.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, op);
        control.set(ValueLayout.JAVA_LONG_UNALIGNED, 8, a);
        control.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, b);
    }
}
