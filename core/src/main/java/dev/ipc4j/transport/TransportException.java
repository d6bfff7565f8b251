package dev.ipc4j.transport;

import dev.ipc4j.Ipc4jException;


/** Why a pipe cannot go on. The set is closed: the peer is gone, it broke the protocol, or this side closed the pipe. */
public abstract sealed class TransportException extends Ipc4jException
        permits PeerGoneException, ProtocolException, PipeClosedException {
    private static final long serialVersionUID = 1L;

    TransportException(String message, Throwable cause) {
        super(message, cause);
    }
}
