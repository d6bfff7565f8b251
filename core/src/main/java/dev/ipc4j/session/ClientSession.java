package dev.ipc4j.session;

import dev.ipc4j.counters.CounterRecord;
import dev.ipc4j.counters.RecordType;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.Errno;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.PeerIdentity;
import dev.ipc4j.transport.ProtocolException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The client's side of a session.
 *
 * <pre>{@code
 * try (ClientSession session = ClientSession.connect(web, cache, ClientSession.Config.DEFAULT.withInitChannels(2))) {
 *     session.channel(0).blobs().send(request);
 *     session.onEnd(end -> log.info("session over: " + end));
 * }
 * }</pre>
 */
public final class ClientSession extends Session {
    private final ServerApp server;

    /**
     * How a client connects: an immutable value checked once when made, changed with {@code withX} copies, starting
     * from {@link #DEFAULT} (the idiom of every ipc4j configuration).
     *
     * @param initChannels the metadata of each init channel to ask for (the server may decide otherwise)
     * @param session how this side runs the session
     * @param retry how long to keep trying while no server runs
     */
    public record Config(List<byte[]> initChannels, SessionConfig session, RetryPolicy retry) {
        public static final Config DEFAULT = new Config(List.of(), SessionConfig.DEFAULT, RetryPolicy.NONE);

        public Config {
            initChannels = initChannels.stream().map(byte[]::clone).toList();
            Control.checkMetadata(initChannels);
            Objects.requireNonNull(session, "session");
            Objects.requireNonNull(retry, "retry");
        }

        /** Asks for {@code count} init channels without metadata. */
        public Config withInitChannels(int count) {
            return new Config(Collections.nCopies(count, new byte[0]), session, retry);
        }

        /** Asks for one init channel per metadata. */
        public Config withInitChannels(byte[]... metadata) {
            return new Config(Arrays.asList(metadata), session, retry);
        }

        /** A copy with {@code session} (how this side runs the session, as a server's config has it) replaced. */
        public Config withSession(SessionConfig session) {
            return new Config(initChannels, session, retry);
        }

        /** A copy with {@code retry} replaced, checked like the rest. */
        public Config withRetry(RetryPolicy retry) {
            return new Config(initChannels, session, retry);
        }
    }

    private ClientSession(ServerApp server, long id, long token, SessionPeer peer, Channel control, PidFd peerPid,
            SessionConfig config, SessionMemory memory, List<Channel> channels, List<byte[]> metadata, CounterRecord counters) {
        super(id, token, peer, control, peerPid, config, memory, channels, metadata, counters);
        this.server = server;
    }

    /** Opens a session with default options: no init channels, fail at once when no server runs. */
    public static ClientSession connect(ClientApp me, ServerApp server) throws IOException {
        return connect(me, server, Config.DEFAULT);
    }

    /**
     * Finds the server app's running server (its pid file in the run directory), checks that it is who the
     * description says (uid, gid, executable, when given), logs in as {@code me} and sets the init channels up.
     *
     * @throws ServerNotRunningException when no server runs (after retrying as {@code options.retry()} says)
     * @throws AccessDeniedException when the server refused the log-in ({@link AccessDeniedException#reason()} says
     *     why) or this side refused the server
     * @throws SessionTimeoutException when the server did not answer within the handshake timeout
     */
    public static ClientSession connect(ClientApp me, ServerApp server, Config options) throws IOException {
        Objects.requireNonNull(me, "me");
        Objects.requireNonNull(server, "server");
        long giveUp = System.nanoTime() + options.retry().giveUpAfter().toNanos();
        while (true) {
            try {
                return connectOnce(me, server, options);
            } catch (ServerNotRunningException e) {
                if (System.nanoTime() - giveUp >= 0) {
                    throw e;
                }
                try {
                    Thread.sleep(options.retry().interval());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for server app '" + server.name() + "'");
                }
            }
        }
    }

    private static ClientSession connectOnce(ClientApp me, ServerApp server, Config options) throws IOException {
        SessionConfig config = options.session();
        Path dir = server.resolvedRunDirectory();
        OptionalLong serverPid = RunDirectory.readPid(dir, server.name());
        if (serverPid.isEmpty()) {
            throw new ServerNotRunningException("no server of app '" + server.name() + "' is running: no pid file "
                    + RunDirectory.pidFile(dir, server.name()), null);
        }
        Path socketPath = RunDirectory.socket(dir, server.name(), serverPid.getAsLong());
        UnixSocket socket;
        try {
            socket = UnixSocket.connect(UnixAddress.of(socketPath));
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ECONNREFUSED) {
                throw new ServerNotRunningException("no server of app '" + server.name() + "' is running: its pid file names "
                        + serverPid.getAsLong() + ", but nobody listens at " + socketPath + " (" + e.getMessage() + ")", e);
            }
            throw e;
        }
        PeerCredentials kernel;
        PidFd pid;
        try {
            kernel = Handshake.credentials(socket);
            var denied = Handshake.checkIdentity(server, kernel, "server app '" + server.name() + "'");
            if (denied.isPresent()) {
                throw denied.get();
            }
            pid = peerPidFd(socket, kernel.pid());
        } catch (IOException | RuntimeException e) {
            Closing.quietly(socket);
            throw e;
        }
        Channel control;
        try {
            control = Session.adoptChannel(socket, Channel.Role.CONNECTOR, config.control(), null, null);
        } catch (RuntimeException e) {
            Closing.quietly(pid);
            throw e;
        }
        List<UnixSocket> received = List.of();
        List<Channel> channels = new ArrayList<>();
        CounterRecord counters = null;
        try {
            PeerCredentials self = PeerCredentials.self();
            Handshake.send(control, new Control.Login(Control.VERSION, Control.VERSION, self.pid(), self.uid(), self.gid(),
                    me.name(), server.name(), options.initChannels()), 0, List.of());
            Handshake.Received reply = Handshake.receive(control, 0, config.handshakeTimeout(), "answer to the log-in");
            received = reply.sockets();
            Control.LoginOk ok = switch (reply.message()) {
                case Control.LoginOk o -> o;
                case Control.Refused r -> throw new AccessDeniedException(r.reason(), r.message());
                default -> throw new ProtocolException("the server answered the log-in with " + reply.message());
            };
            if (ok.token() == 0) {
                throw new ProtocolException("the server's log-in answer has no session token");
            }
            if (ok.version() != Control.VERSION) {
                throw new ProtocolException("the server chose protocol version " + ok.version() + ", which we did not offer");
            }
            PeerIdentity identity = new PeerIdentity(kernel.pid(), kernel.uid(), kernel.gid());
            SessionPeer peer = new SessionPeer(server.name(), identity);
            UnixSocket memorySocket = received.getLast(); // after the init channels (the decoder checked the count)
            for (UnixSocket s : received.subList(0, received.size() - 1)) {
                channels.add(Session.adoptChannel(s, Channel.Role.CONNECTOR, config.channels(), identity, pid.dup()));
            }
            received = List.of();
            SessionMemory memory = new SessionMemory(server, false, kernel.pid(), self.pid(), ok.sessionId(), config.arenas(), null,
                    new MemorySocket(memorySocket, false));
            try {
                memory.open(); // ours made and posted, the server's (posted before its LOGIN_OK) mapped: not in a message's clock
            } catch (RuntimeException e) {
                memory.close();
                throw e;
            }
            String label = server.name() + " pid " + kernel.pid();
            counters = config.counters() ? CounterRecord.open(me.name(), RecordType.SESSION, ok.sessionId(), label)
                    : CounterRecord.detached(RecordType.SESSION);
            ClientSession session = new ClientSession(server, ok.sessionId(), ok.token(), peer, control, pid,
                    config, memory, channels, ok.initChannels(), counters);
            session.start();
            return session;
        } catch (IOException | RuntimeException e) {
            if (counters != null) {
                counters.close(); // its file would otherwise stay open for a session that never was
            }
            received.forEach(Closing::quietly);
            channels.forEach(Channel::close);
            control.close();
            Closing.quietly(pid);
            throw e;
        }
    }

    static PidFd peerPidFd(UnixSocket socket, long pid) throws ErrnoException {
        try {
            return socket.peerPidFd();
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOPROTOOPT && e.errno() != Errno.EINVAL) {
                throw e;
            }
            return PidFd.open(pid);
        }
    }

    @Override
    public ServerApp serverApp() {
        return server;
    }
}
