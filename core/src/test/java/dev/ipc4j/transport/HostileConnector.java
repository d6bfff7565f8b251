package dev.ipc4j.transport;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A process that connects to a server's socket and misbehaves before any log-in, for the cross-process hardening
 * tests (issue 13, defects 1 and 2). Args: scenario, count, socket path.
 * <ul>
 *   <li>{@code end-before-hello}: connects and closes at once, {@code count} times; says DONE.</li>
 *   <li>{@code hello-hold}: connects, sends a good HELLO and never logs in; says HELD, waits for EXIT (or SIGKILL).</li>
 *   <li>{@code hello-fds}: {@code count} connections, each sending a good HELLO with ten descriptors riding on it
 *       (frames claim none before the log-in); says STUFFED, holds them until EXIT.</li>
 * </ul>
 */
public final class HostileConnector {
    private HostileConnector() {}

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[1]);
        UnixAddress address = UnixAddress.of(Path.of(args[2]));
        switch (args[0]) {
            case "end-before-hello" -> {
                for (int i = 0; i < count; i++) {
                    UnixSocket.connect(address).close();
                }
                say("DONE " + count);
            }
            case "hello-hold" -> {
                try (Arena arena = Arena.ofConfined(); UnixSocket s = UnixSocket.connect(address)) {
                    MemorySegment hello = HostilePeer.hello(arena, Frame.HELLO_MAGIC, Frame.VERSION, Frame.VERSION, 1 << 20);
                    s.sendFully(hello);
                    say("HELD");
                    hear("EXIT");
                }
            }
            case "hello-fds" -> {
                List<UnixSocket> held = new ArrayList<>();
                List<EventFd> riders = new ArrayList<>();
                try (Arena arena = Arena.ofConfined()) {
                    for (int i = 0; i < 10; i++) {
                        riders.add(EventFd.create());
                    }
                    Fd[] fds = riders.stream().map(EventFd::fd).toArray(Fd[]::new);
                    MemorySegment hello = HostilePeer.hello(arena, Frame.HELLO_MAGIC, Frame.VERSION, Frame.VERSION, 1 << 20);
                    for (int i = 0; i < count; i++) {
                        UnixSocket s = UnixSocket.connect(address);
                        held.add(s);
                        s.send(hello, 0, hello.byteSize(), false, fds);
                    }
                    say("STUFFED " + count);
                    hear("EXIT");
                } finally {
                    for (UnixSocket s : held) {
                        s.close();
                    }
                    for (EventFd e : riders) {
                        e.close();
                    }
                }
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }
}
