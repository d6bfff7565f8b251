package dev.ipc4j.session;

import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.SocketPipe;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one side runs its sessions; both sides have one, and each applies its own.
 *
 * @param channels how this side sets up channels: the side that opens a channel (the server for init channels)
 *     decides ring or socket only and the ring's capacity; each side picks its own wait strategy
 * @param keepAlive how often this side pings on the session's socket ({@link Duration#ZERO}: never)
 * @param idleTimeout after how long without a sign of life the peer counts as gone ({@link Duration#ZERO}: never)
 * @param handshakeTimeout how long connecting, logging in and setting a channel up may take
 * @param closeTimeout how long a graceful end waits for the peer to let go of what it borrowed
 * @param arenas sizes of the shared memory this side creates
 * @param runner the runner whose threads read the sessions' control sockets; empty: {@link Runner#shared()}
 * @param counters whether this side's sessions, channels and arenas publish live counters (read by {@code ipc4j stat};
 *     {@link dev.ipc4j.counters.CounterRecord}); off, they count in private memory nobody reads
 */
public record SessionConfig(Channel.Config channels, Duration keepAlive, Duration idleTimeout, Duration handshakeTimeout,
        Duration closeTimeout, ArenaConfig arenas, Optional<Runner> runner, boolean counters) {
    /** Flow-IPC's defaults: a ping every 2 s, the peer gone after 5 s of silence; rings for data. */
    public static final SessionConfig DEFAULT = new SessionConfig(Channel.Config.DEFAULT, Duration.ofSeconds(2),
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(5), ArenaConfig.DEFAULT, Optional.empty(), true);

    /** Control messages are small; the largest is a log-in with 32 channels of 64 KiB metadata each. */
    private static final int CONTROL_MESSAGE_LIMIT = 4 << 20;

    public SessionConfig {
        Objects.requireNonNull(channels, "channels");
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(arenas, "arenas");
        Objects.requireNonNull(runner, "runner");
        if (keepAlive.isNegative() || idleTimeout.isNegative() || handshakeTimeout.isNegative() || handshakeTimeout.isZero()
                || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("durations must not be negative, and the handshake timeout positive");
        }
        if (!idleTimeout.isZero() && (keepAlive.isZero() || keepAlive.compareTo(idleTimeout) >= 0)) {
            throw new IllegalArgumentException("an idle timeout needs pings more often than it: keepAlive " + keepAlive
                    + ", idleTimeout " + idleTimeout);
        }
    }

    /** A copy with {@code channels} replaced, checked like the rest. */
    public SessionConfig withChannels(Channel.Config channels) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** A copy with {@code keepAlive} and {@code idleTimeout} replaced, checked like the rest. */
    public SessionConfig withKeepAlive(Duration keepAlive, Duration idleTimeout) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** A copy with {@code handshakeTimeout} replaced, checked like the rest. */
    public SessionConfig withHandshakeTimeout(Duration handshakeTimeout) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** A copy with {@code closeTimeout} replaced, checked like the rest. */
    public SessionConfig withCloseTimeout(Duration closeTimeout) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** A copy with {@code arenas} replaced, checked like the rest. */
    public SessionConfig withArenas(ArenaConfig arenas) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** A copy with {@code runner} replaced, checked like the rest. */
    public SessionConfig withRunner(Runner runner) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas,
                Optional.of(runner), counters);
    }

    /** A copy with live counters turned on or off. */
    public SessionConfig withCounters(boolean counters) {
        return new SessionConfig(channels, keepAlive, idleTimeout, handshakeTimeout, closeTimeout, arenas, runner, counters);
    }

    /** The session's own socket: socket only, with the keep-alive. */
    Channel.Config control() {
        return Channel.Config.SOCKET_ONLY.withSocket(SocketPipe.Config.DEFAULT.withMaxMessageSize(CONTROL_MESSAGE_LIMIT)
                .withSendQueueBytes(CONTROL_MESSAGE_LIMIT).withKeepAlive(keepAlive, idleTimeout)
                .withHandshakeTimeout(handshakeTimeout));
    }
}
