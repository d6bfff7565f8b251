package dev.ipc4j.counters;

/**
 * The values of a {@link RecordType#CHANNEL} record: one per message channel. Messages are frames with a payload
 * (notifications, requests, responses, stream items, call messages); bytes are their payloads' bytes, wherever they
 * travelled. The sending side's values and the receiving side's sit on separate cache lines: they are written by
 * different threads.
 */
public enum ChannelField implements Field {
    /** Messages sent. */
    MESSAGES_OUT(0, "messagesOut", false),
    /** Payload bytes sent. */
    BYTES_OUT(1, "bytesOut", false),
    /** Messages sent as a handle to shared memory (the rest were copied into their frame). */
    LENT_OUT(2, "lentOut", false),
    /** Sends that found the peer's ring full: an offer that returned BACK_PRESSURED, or a deferred frame refused. */
    BACK_PRESSURED(3, "backPressured", false),
    /** Messages received. */
    MESSAGES_IN(8, "messagesIn", false),
    /** Payload bytes received. */
    BYTES_IN(9, "bytesIn", false),
    /** Messages received as a handle, read in place in the peer's shared memory. */
    BORROWED_IN(10, "borrowedIn", false),
    /** Requests waiting for their response and calls open, either way. */
    CALLS_OPEN(16, "callsOpen", true);

    private final int slot;
    private final String key;
    private final boolean gauge;

    ChannelField(int slot, String key, boolean gauge) {
        this.slot = slot;
        this.key = key;
        this.gauge = gauge;
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
