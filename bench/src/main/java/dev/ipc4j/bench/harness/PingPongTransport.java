package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * What the harness needs from a transport to run the same ping-pong and one-way throughput tests over it. One adapter
 * class per transport, registered in {@link Transports}; the harness drives every adapter identically.
 *
 * <p>Roles: the measuring process (the parent) creates a {@link Host} (it owns whatever must exist before the peer
 * arrives: a listening socket, a media driver, a shared segment...) and passes {@link Host#address()} to the echoing
 * process (the child, a separate JVM), which calls {@link #connect}. The parent then calls {@link Host#accept}. Both
 * sides get a {@link Link} and exchange messages of one fixed size, one thread per side.
 *
 * <p>Contract for {@link Link#send} and {@link Link#receive}: no allocation per call in the steady state (keep
 * buffers, handlers and views in fields); wait as the {@link WaitMode} says; give up with an exception when the peer
 * is gone (EOF, broken pipe, peer-death notice) or {@code deadlineNanos} passes. The harness also kills the child when a
 * run overruns its deadline, so a transport whose blocking wait cannot time out still returns (with an error) once it
 * notices the dead peer.
 */
public interface PingPongTransport {
    /** The name used on the command line and in results, e.g. {@code unix}. */
    String name();

    /** One line for the table legend: what exactly is measured. */
    String description();

    /** The wait modes this transport has; the harness skips the others. */
    Set<WaitMode> waits();

    /**
     * Parent side: creates what the child connects to.
     *
     * @param workDir a fresh private directory for files such as socket paths (deleted by the harness afterwards)
     * @param payloadBytes the size of every message of the run
     */
    Host host(WaitMode wait, Path workDir, int payloadBytes) throws IOException;

    /** Child side: connects to the host whose {@link Host#address()} the parent passed. */
    Link connect(String address, WaitMode wait, int payloadBytes, long deadlineNanos) throws IOException, TimeoutException;

    /** The parent's resources for one run; closing releases everything, including files in /dev/shm. */
    interface Host extends AutoCloseable {
        /** What the child needs to connect; a single line without whitespace. */
        String address();

        /** Waits for the child's {@link #connect} and returns the parent's end of the link. */
        Link accept(long deadlineNanos) throws IOException, TimeoutException;

        @Override
        void close() throws IOException;
    }

    /** Looks at one received message (e.g. its sequence number); throws to stop the run. */
    @FunctionalInterface
    interface MessageCheck {
        void check(Payload message) throws IOException;
    }

    /** One side of a connected pair; single-threaded use. */
    interface Link extends AutoCloseable {
        /** Sends the {@link Payload#length()} bytes of {@code message} as one message. */
        void send(Payload message, long deadlineNanos) throws IOException, TimeoutException;

        /**
         * Waits for the next message and copies it into {@code into}; fails if its size is not {@link Payload#length()}.
         */
        void receive(Payload into, long deadlineNanos) throws IOException, TimeoutException;

        /**
         * Receives at least one and at most {@code limit} messages in one poll of the transport (waiting for the first
         * as {@link #receive} does): each is copied into {@code into} and handed to {@code each} before the next;
         * returns how many. For one-way throughput, where a reader that finds many messages waiting should not pay
         * for a whole receive per message. By default one {@link #receive}.
         */
        default int receiveUpTo(int limit, Payload into, MessageCheck each, long deadlineNanos) throws IOException, TimeoutException {
            receive(into, deadlineNanos);
            each.check(into);
            return 1;
        }

        @Override
        void close() throws IOException;
    }
}
