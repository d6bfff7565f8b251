package dev.ipc4j.counters;

import dev.ipc4j.Ipc4jException;

/**
 * The values of a {@link RecordType#SESSION} record: one per session, on each side. Errors are counted by
 * {@link Ipc4jException.Category}: what ended the session, what a channel of it rejected or failed with.
 */
public enum SessionField implements Field {
    /** Channels set up, ever: the init channels and those opened since (each message channel has its own record). */
    CHANNELS_OPENED(0, "channelsOpened", false),
    /** 1 while the peer's process is known alive, 0 once the session ended. */
    PEER_ALIVE(1, "peerAlive", true),
    /** Errors of category PEER_GONE on this session or its channels. */
    ERRORS_PEER_GONE(8, "errors.peerGone", false),
    /** Errors of category CLOSED on this session or its channels. */
    ERRORS_CLOSED(9, "errors.closed", false),
    /** Errors of category PROTOCOL_VIOLATION on this session or its channels. */
    ERRORS_PROTOCOL_VIOLATION(10, "errors.protocolViolation", false),
    /** Errors of category ACCESS_DENIED on this session or its channels. */
    ERRORS_ACCESS_DENIED(11, "errors.accessDenied", false),
    /** Errors of category TIMEOUT on this session or its channels. */
    ERRORS_TIMEOUT(12, "errors.timeout", false),
    /** Errors of category CAPACITY on this session or its channels. */
    ERRORS_CAPACITY(13, "errors.capacity", false),
    /** Errors of category BACK_PRESSURE on this session or its channels. */
    ERRORS_BACK_PRESSURE(14, "errors.backPressure", false),
    /** Errors of category INVALID_HANDLE on this session or its channels. */
    ERRORS_INVALID_HANDLE(15, "errors.invalidHandle", false),
    /** Errors of category INVALID_PAYLOAD on this session or its channels. */
    ERRORS_INVALID_PAYLOAD(16, "errors.invalidPayload", false),
    /** Errors of category CANCELLED on this session or its channels. */
    ERRORS_CANCELLED(17, "errors.cancelled", false),
    /** Errors of category NOT_RUNNING on this session or its channels. */
    ERRORS_NOT_RUNNING(18, "errors.notRunning", false),
    /** Errors of category ALREADY_RUNNING on this session or its channels. */
    ERRORS_ALREADY_RUNNING(19, "errors.alreadyRunning", false),
    /** Errors of category REFUSED on this session or its channels. */
    ERRORS_REFUSED(20, "errors.refused", false),
    /** Errors of category IO on this session or its channels. */
    ERRORS_IO(21, "errors.io", false);

    private static final SessionField[] BY_CATEGORY = new SessionField[Ipc4jException.Category.values().length];

    static {
        for (Ipc4jException.Category c : Ipc4jException.Category.values()) {
            BY_CATEGORY[c.ordinal()] = valueOf("ERRORS_" + c.name());
        }
    }

    private final int slot;
    private final String key;
    private final boolean gauge;

    SessionField(int slot, String key, boolean gauge) {
        this.slot = slot;
        this.key = key;
        this.gauge = gauge;
    }

    /** The field counting errors of {@code category}. */
    public static SessionField errors(Ipc4jException.Category category) {
        return BY_CATEGORY[category.ordinal()];
    }

    @Override
    public int slot() {
        return slot;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public boolean gauge() {
        return gauge;
    }
}
