package dev.ipc4j;

/**
 * The root of every error ipc4j reports: one type to catch, and a {@link #category()} to switch on, in the manner of
 * Aeron's {@code AeronException.Category}. The layer's own types (a {@code TransportException},
 * {@code SessionException}, {@code MessageException}, {@code ShmException} and their kinds) remain for callers that
 * catch one case apart, e.g. {@code PeerGoneException} to reconnect.
 *
 * <p><b>Unchecked.</b> Most of ipc4j's calls run on hot paths or inside handlers and lambdas (a message handler, a
 * {@code CompletableFuture} stage, a runner's agent) where a checked exception would be wrapped, and most callers can
 * do nothing but end the session: an unchecked root lets them catch it where they can act, once. Calls that also touch
 * the file system (creating a server's run directory, listening on a socket path) declare {@link java.io.IOException}
 * for the operating system's own errors, as {@code java.nio.file} does; everything ipc4j itself decides is an
 * {@code Ipc4jException}.
 *
 * <p>Whatever a peer sends or does to shared memory surfaces as one of these, for that session only: never a crash of
 * this process.
 */
public abstract class Ipc4jException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as a caller decides what to do next. */
    public enum Category {
        /** The other process died, or closed its end without ending the session: reconnect if you want to go on. */
        PEER_GONE,
        /** This side (or the peer, in order) closed the channel, session or pipe; nothing more will pass. */
        CLOSED,
        /** The peer broke the protocol: a forged frame, handle or descriptor; the session it came on is ended. */
        PROTOCOL_VIOLATION,
        /** A credential, permission or policy check refused the operation (log-in, arena access). */
        ACCESS_DENIED,
        /** A deadline passed: a response, a log-in, a channel's set-up, a lock in shared memory. */
        TIMEOUT,
        /** A bound was reached (arena quota, block or segment count, process slots): try later or smaller. */
        CAPACITY,
        /** The peer cannot take more now (its ring or window is full): retry after it reads. */
        BACK_PRESSURE,
        /** A shared-memory handle names nothing valid (stale, unknown segment, out of range, malformed). */
        INVALID_HANDLE,
        /** A payload did not decode or verify with the channel's codec. */
        INVALID_PAYLOAD,
        /** The call or stream was cancelled, by either side. */
        CANCELLED,
        /** No server of that app is running (or none listens where its pid file says). */
        NOT_RUNNING,
        /** A server of that app is running already. */
        ALREADY_RUNNING,
        /** The peer refused to open the channel asked for. */
        REFUSED,
        /** A kernel call failed for a reason none of the above names (the cause says which). */
        IO
    }

    protected Ipc4jException(String message, Throwable cause) {
        super(message, cause);
    }

    /** What went wrong; the same for every instance of a given exception type. */
    public abstract Category category();
}
