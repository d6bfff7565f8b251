package dev.ipc4j.transport;

import dev.ipc4j.NativeHandle;
import dev.ipc4j.os.Closing;
import dev.ipc4j.os.Errno;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixServerSocket;
import dev.ipc4j.os.UnixSocket;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection between two processes: a {@link SocketPipe} (descriptors, the peer's identity, death by EOF) and, by
 * default, a {@link RingPipe} in shared memory for the data. {@link #blobs()} is where messages go: the ring when
 * there is one, else the socket.
 *
 * <pre>{@code
 * try (Channel.Listener listener = Channel.listen(path, 0600, Channel.Config.DEFAULT);
 *      Channel channel = listener.accept(Duration.ofSeconds(5))) {
 *     channel.blobs().receive(blob -> handle(blob.segment()), Duration.ofSeconds(1));
 * }
 * // elsewhere:
 * try (Channel channel = Channel.connect(path, Channel.Config.DEFAULT)) {
 *     channel.blobs().send(message);
 * }
 * }</pre>
 */
public final class Channel implements AutoCloseable {
    /**
     * @param ring the ring's configuration on the accepting side (its capacity is the channel's), and this side's
     *     wait strategy and message limit; empty for a socket-only channel (decided by the accepting side)
     * @param socket the socket pipe's configuration
     */
    public record Config(Optional<RingPipe.Config> ring, SocketPipe.Config socket) {
        public static final Config DEFAULT = new Config(Optional.of(RingPipe.Config.DEFAULT), SocketPipe.Config.DEFAULT);
        /** Everything over the socket: no shared memory at all. */
        public static final Config SOCKET_ONLY = new Config(Optional.empty(), SocketPipe.Config.DEFAULT);

        public Config {
            Objects.requireNonNull(ring, "ring");
            Objects.requireNonNull(socket, "socket");
        }

        /** A copy with {@code ring} replaced, checked like the rest. */
        public Config withRing(RingPipe.Config ring) {
            return new Config(Optional.of(ring), socket);
        }

        /** A copy with {@code socket} replaced, checked like the rest. */
        public Config withSocket(SocketPipe.Config socket) {
            return new Config(ring, socket);
        }

        /** A copy with {@code wait} replaced, checked like the rest. */
        public Config withWait(WaitStrategy wait) {
            return new Config(ring.map(r -> r.withWait(wait)), socket);
        }
    }

    private final SocketPipe control;
    private final RingPipe ring;

    private Channel(SocketPipe control, RingPipe ring) {
        this.control = control;
        this.ring = ring;
    }

    /** Connects to a {@link Listener} at {@code path}. */
    public static Channel connect(Path path, Config config) throws IOException {
        return connected(UnixSocket.connect(UnixAddress.of(path)), config);
    }

    /** Listens at {@code path} (a socket file with permission bits {@code mode}, e.g. 0600). */
    public static Listener listen(Path path, int mode, Config config) throws IOException {
        return new Listener(UnixServerSocket.listen(UnixAddress.of(path), mode, 64), config);
    }

    /** Both ends of a channel in this process (e.g. to hand one to a child, or for tests). */
    public static Channel[] pair(Config config) throws IOException {
        UnixSocket[] sockets = UnixSocket.pair();
        CompletableFuture<Channel> acceptor = CompletableFuture.supplyAsync(() -> accepted(sockets[0], config));
        Channel connector = null;
        try {
            connector = connected(sockets[1], config);
            return new Channel[] {acceptor.get(config.socket().handshakeTimeout().toMillis() * 2, TimeUnit.MILLISECONDS), connector};
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            if (connector != null) {
                connector.close();
            }
            acceptor.thenAccept(Channel::close);
            throw new PeerGoneException("channel pair could not be set up", e);
        }
    }

    /** The part a side plays in setting a channel up: the acceptor creates and offers the ring, the connector maps it. */
    public enum Role { ACCEPTOR, CONNECTOR }

    /**
     * A channel over {@code socket}, one end of a connected Unix stream socket pair whose other end went to the peer by
     * the caller's own means (the session layer passes such ends over its authenticated socket; Flow-IPC's
     * native-socket-stream adoption). A socket pair's kernel credentials name its creator on both ends, so the peer's
     * identity and pidfd come from the caller, who learnt them from a socket the peer connected itself; with
     * {@code peer} null the kernel is asked, which is right only for a socket the peer connected itself.
     *
     * <p>Blocking: the HELLO exchange (and, for the acceptor, the ring offer) happens here, up to the socket
     * configuration's handshake timeout. Thread-safe.
     *
     * @param socket the socket end; taken over: closed with the channel, or here on failure
     * @param role which side of the set-up this one plays; the other end must play the other
     * @param peer who holds the other end, or null to ask the kernel
     * @param peerPidFd a pidfd of {@code peer}'s process, taken over like {@code socket}; null to take one from the
     *     socket; must be null when {@code peer} is
     * @throws IllegalArgumentException when {@code socket} is not a socket, or a pidfd comes without a peer (both
     *     handles are closed)
     * @throws IllegalStateException when either handle was already closed (the other is closed)
     * @throws TransportException when the set-up fails: the peer went away, broke the protocol, or did not answer
     */
    public static Channel adopt(NativeHandle socket, Role role, Config config, PeerIdentity peer, NativeHandle peerPidFd)
            throws TransportException {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(config, "config");
        Fd socketFd;
        try {
            socketFd = Fd.adopt(socket.release());
        } catch (IllegalStateException closed) { // a closed handle: still keep the contract for the other one
            Closing.quietly(peerPidFd);
            throw closed;
        }
        Fd pidFd;
        try {
            pidFd = peerPidFd == null ? null : Fd.adopt(peerPidFd.release());
        } catch (IllegalStateException closed) {
            Closing.quietly(socketFd);
            throw closed;
        }
        UnixSocket s;
        try {
            if (pidFd != null && peer == null) {
                throw new IllegalArgumentException("a peer pidfd needs the peer's identity");
            }
            s = UnixSocket.adopt(socketFd, "channel socket");
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(pidFd);
            Closing.quietly(socketFd);
            throw e instanceof ErrnoException errno ? new IllegalArgumentException("not a socket: " + errno.getMessage(), errno)
                    : (RuntimeException) e;
        }
        PidFd pid = pidFd == null ? null : PidFd.adopt(pidFd, peer.pid());
        return role == Role.ACCEPTOR ? accepted(s, config, peer, pid) : connected(s, config, peer, pid);
    }

    /** The accepting side: agrees on the protocol, creates the ring (unless socket-only) and offers it. */
    static Channel accepted(UnixSocket socket, Config config) throws TransportException {
        return accepted(socket, config, null, null);
    }

    private static Channel accepted(UnixSocket socket, Config config, PeerIdentity knownPeer, PidFd knownPid)
            throws TransportException {
        SocketPipe control = openControl(socket, config, knownPeer, knownPid);
        if (config.ring().isEmpty()) {
            Closing.quietly(knownPid);
            control.offerRingSegment(null);
            return new Channel(control, null);
        }
        Fd[] offer = new Fd[SocketPipe.RING_FDS];
        RingPipe ring = null;
        PidFd pid = knownPid;
        try {
            if (pid == null) {
                pid = peerPidFd(control);
            }
            ring = RingPipe.create(config.ring().get(), offer, pid);
            pid = null; // the ring owns it now
            control.offerRingSegment(offer);
            return new Channel(control, ring);
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(pid);
            if (ring != null) {
                ring.close();
            }
            control.close();
            throw e instanceof TransportException t ? t : new PeerGoneException("ring setup failed: " + e.getMessage(), e);
        } finally {
            Closing.quietly(offer[0]); // the segment: the peer has its own descriptor now; the doorbells are the ring's
        }
    }

    /** The connecting side: agrees on the protocol and maps the ring the acceptor offers, if any. */
    static Channel connected(UnixSocket socket, Config config) throws TransportException {
        return connected(socket, config, null, null);
    }

    private static Channel connected(UnixSocket socket, Config config, PeerIdentity knownPeer, PidFd knownPid)
            throws TransportException {
        SocketPipe control = openControl(socket, config, knownPeer, knownPid);
        Fd[] offered = null;
        PidFd pid = knownPid;
        RingPipe ring = null;
        try {
            offered = control.takeRingSegment(config.socket().handshakeTimeout());
            if (offered == null) {
                Closing.quietly(pid);
                return new Channel(control, null);
            }
            RingPipe.Config mine = config.ring().orElse(RingPipe.Config.DEFAULT);
            if (pid == null) {
                pid = peerPidFd(control);
            }
            ring = RingPipe.attach(offered, mine, pid);
            pid = null; // the ring owns it now
            return new Channel(control, ring);
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(pid);
            control.close();
            throw e instanceof TransportException t ? t : new PeerGoneException("ring setup failed: " + e.getMessage(), e);
        } finally {
            if (offered != null) {
                Closing.quietly(offered[0]); // the segment is mapped (or refused) now
                if (ring == null) { // the doorbells belong to the ring only once it exists
                    for (int i = 1; i < offered.length; i++) {
                        Closing.quietly(offered[i]);
                    }
                }
            }
        }
    }

    /** The socket pipe with its HELLO done; on failure the pidfd the caller handed over is closed too. */
    private static SocketPipe openControl(UnixSocket socket, Config config, PeerIdentity knownPeer, PidFd knownPid)
            throws TransportException {
        try {
            return SocketPipe.open(socket, config.socket(), knownPeer);
        } catch (RuntimeException e) {
            Closing.quietly(knownPid);
            throw e;
        }
    }

    /** The peer's pidfd, taken race-free from the socket where the kernel supports it. */
    private static PidFd peerPidFd(SocketPipe control) throws ErrnoException {
        try {
            return control.socket().peerPidFd();
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOPROTOOPT && e.errno() != Errno.EINVAL) {
                throw e;
            }
            return PidFd.open(control.peer().pid());
        }
    }

    /**
     * For a thread driving this channel's {@link #blobs()} by {@link BlobPipe#poll}: see
     * {@link BlobPipe#prepareToSleep}.
     */
    public boolean prepareToSleep(WaitSet waits, Waiter waiter) {
        return blobs().prepareToSleep(waits, waiter);
    }

    /** See {@link BlobPipe#awoke(Waiter)}. */
    public void awoke(Waiter waiter) {
        blobs().awoke(waiter);
    }

    /** Where messages go: the ring when the channel has one, else the socket. */
    public BlobPipe blobs() {
        return ring != null ? ring : control;
    }

    /** The socket pipe: messages with descriptors, and control traffic. */
    public HandlePipe handles() {
        return control;
    }

    /** Whether {@link #blobs()} is a shared-memory ring. */
    public boolean hasRing() {
        return ring != null;
    }

    /**
     * The shared-memory ring that {@link #blobs()} is, with what only a ring offers (claims written in place, its
     * positions); empty for a socket-only channel. The same object as {@link #blobs()}, typed: no downcast needed.
     */
    public Optional<RingPipe> ring() {
        return Optional.ofNullable(ring);
    }

    /** The peer process, as the kernel reported it when the channel was set up. */
    public PeerIdentity peer() {
        return control.peer();
    }

    /**
     * Whether messages the peer sent wait in this channel's ring unread: a snapshot a session ending in good order
     * uses to give its user time to read them. Always false for a socket-only channel (its bytes sit in the kernel,
     * where they cannot be counted without reading them).
     */
    public boolean hasUnreadInput() {
        return ring != null && ring.hasUnreadInput();
    }

    /**
     * Declares the peer gone although its process may still exist (e.g. the session's keep-alive expired because it
     * hangs): every operation waiting on either pipe wakes and fails with {@code cause}, as does every later one.
     * {@link #close()} still releases the channel.
     */
    public void abort(PeerGoneException cause) {
        Objects.requireNonNull(cause, "cause");
        if (ring != null) {
            ring.abort(cause);
        }
        control.abort(cause);
    }

    /** Ends both pipes gracefully (the peer receives everything sent before), then releases them. Idempotent. */
    @Override
    public void close() {
        if (ring != null) {
            ring.close();
        }
        control.close();
    }

    @Override
    public String toString() {
        return "Channel[peer " + peer().pid() + (ring != null ? ", ring]" : ", socket]");
    }

    /** Accepts channels at a socket path. */
    public static final class Listener implements AutoCloseable {
        private final UnixServerSocket server;
        private final Config config;

        private Listener(UnixServerSocket server, Config config) {
            this.server = server;
            this.config = config;
        }

        /**
         * Waits up to {@code timeout} for the next peer and sets the channel up with it.
         *
         * @throws java.net.SocketTimeoutException when nobody connected in time
         */
        public Channel accept(Duration timeout) throws IOException {
            UnixSocket socket = server.accept(timeout)
                    .orElseThrow(() -> new java.net.SocketTimeoutException("nobody connected within " + timeout));
            return accepted(socket, config);
        }

        /** The socket file peers connect to. */
        public Path path() {
            return server.address().path().orElseThrow();
        }

        /** Stops accepting and removes the socket file; channels already accepted go on. Idempotent. */
        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
