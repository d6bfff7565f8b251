package dev.ipc4j.session;

import dev.ipc4j.transport.TransportException;

/** How a session ended: reported exactly once per session, to {@link Session#onEnd}. */
public sealed interface SessionEnd {
    /** Whether the end was an error (the peer died, hung or misbehaved) rather than a close by either side. */
    boolean isError();

    /** This side closed the session. */
    record ClosedHere() implements SessionEnd {
        @Override
        public boolean isError() {
            return false;
        }
    }

    /** The peer closed the session in good order. */
    record ClosedByPeer() implements SessionEnd {
        @Override
        public boolean isError() {
            return false;
        }
    }

    /**
     * The peer is gone: its process exited (socket EOF or pidfd) or it stopped answering pings (keep-alive timeout).
     * Every operation pending on the session's channels failed with a {@code PeerGoneException}.
     */
    record PeerGone(String why, TransportException cause) implements SessionEnd {
        @Override
        public boolean isError() {
            return true;
        }
    }

    /** The peer broke the session protocol; the session was ended to protect this side. */
    record ProtocolViolation(String why, Exception cause) implements SessionEnd {
        @Override
        public boolean isError() {
            return true;
        }
    }
}
