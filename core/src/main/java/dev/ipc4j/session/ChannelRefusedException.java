package dev.ipc4j.session;

/** The peer refused a channel this side asked for; the session goes on. */
public final class ChannelRefusedException extends SessionException {
    public ChannelRefusedException(String message) {
        super(message, null);
    }
}
