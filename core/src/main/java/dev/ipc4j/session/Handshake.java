package dev.ipc4j.session;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerGoneException;
import dev.ipc4j.transport.ProtocolException;
import dev.ipc4j.transport.Receipt;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The log-in steps both sides share: reading one control message with a deadline, and checking who a process is. */
final class Handshake {
    private Handshake() {}

    /** A control message with the sockets that came with it (the caller owns them). */
    record Received(Control.Message message, List<UnixSocket> sockets) {}

    /** Waits up to {@code timeout} for one control message on a session socket that is not yet being read. */
    static Received receive(Channel control, long token, Duration timeout, String waitingFor) throws IOException {
        Control.Message[] message = new Control.Message[1];
        List<UnixSocket> sockets = new ArrayList<>();
        ProtocolException[] problem = new ProtocolException[1];
        Receipt r = control.blobs().receive(blob -> {
            List<NativeHandle> handles = blob.handles();
            try {
                message[0] = Control.decode(ByteBuffer.wrap(blob.toArray()), token, handles.size());
                for (NativeHandle h : handles) {
                    sockets.add(Session.adoptSocket(h, "UnixSocket[init channel]"));
                }
            } catch (ProtocolException e) {
                problem[0] = e;
            } catch (ErrnoException e) {
                problem[0] = new ProtocolException("a descriptor that is not a usable socket: " + e.getMessage());
            } finally {
                handles.forEach(Closing::quietly);
            }
        }, timeout);
        if (problem[0] != null) {
            sockets.forEach(Closing::quietly);
            throw problem[0];
        }
        return switch (r) {
            case MESSAGE -> new Received(message[0], sockets);
            case TIMED_OUT -> throw new SessionTimeoutException("no " + waitingFor + " within " + timeout);
            case ENDED -> throw new PeerGoneException("the peer hung up before its " + waitingFor);
        };
    }

    /** Sends a control message with {@code attach} riding on it (this side keeps, and later closes, its own). */
    static void send(Channel control, Control.Message m, long token, List<UnixSocket> attach) throws IOException {
        ByteBuffer bytes = Control.encode(m, token);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(bytes.remaining());
            segment.copyFrom(MemorySegment.ofBuffer(bytes));
            NativeHandle[] handles = new NativeHandle[attach.size()];
            try {
                for (int i = 0; i < handles.length; i++) {
                    handles[i] = NativeHandle.adopt(attach.get(i).fd().dup().release());
                }
                control.handles().send(segment, handles);
            } finally {
                for (NativeHandle h : handles) {
                    Closing.quietly(h);
                }
            }
        }
    }

    /**
     * Whether the process the kernel reported matches an app's description (uid, gid, executable); the denial
     * otherwise. {@code who} names the side for the message ("client app 'web'").
     */
    static Optional<AccessDeniedException> checkIdentity(App app, PeerCredentials kernel, String who) {
        if (app.uid().isPresent() && app.uid().getAsInt() != kernel.uid()
                || app.gid().isPresent() && app.gid().getAsInt() != kernel.gid()) {
            return Optional.of(new AccessDeniedException(AccessDeniedException.Reason.WRONG_USER, who + " must run as uid "
                    + app.uid().stream().mapToObj(Integer::toString).findFirst().orElse("any") + ", gid "
                    + app.gid().stream().mapToObj(Integer::toString).findFirst().orElse("any") + "; process " + kernel.pid()
                    + " runs as uid " + kernel.uid() + ", gid " + kernel.gid()));
        }
        if (app.executable().isPresent()) {
            Path expected = app.executable().get();
            Optional<Path> actual = executableOf(kernel.pid());
            if (actual.isEmpty() || !actual.get().equals(expected)) {
                return Optional.of(new AccessDeniedException(AccessDeniedException.Reason.WRONG_EXECUTABLE, who
                        + " must run " + expected + "; process " + kernel.pid() + " runs "
                        + actual.map(Path::toString).orElse("something this process may not see")));
            }
        }
        return Optional.empty();
    }

    /** What {@code /proc/PID/exe} points to (the kernel's word, not the process's). */
    static Optional<Path> executableOf(long pid) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).normalize());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    static PeerCredentials credentials(UnixSocket socket) throws PeerGoneException {
        try {
            return socket.peerCredentials();
        } catch (ErrnoException e) {
            throw new PeerGoneException("the peer's credentials cannot be read: " + e.getMessage(), e);
        }
    }
}
