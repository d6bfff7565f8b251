package dev.ipc4j.message;

/** What a frame is, as the KIND byte of its header says (see {@link Wire}). */
enum Kind {
    /** A message that expects no answer (it may itself answer one). */
    NOTIFY(1, true),
    /** A request expecting exactly one RESPONSE. */
    REQUEST(2, true),
    /** A request expecting STREAM_ITEMs until a STREAM_END. */
    STREAM_REQUEST(3, true),
    /** The answer to a REQUEST (IN_RESPONSE_TO names it). */
    RESPONSE(4, true),
    /** One answer to a STREAM_REQUEST. */
    STREAM_ITEM(5, true),
    /** The responder ended a stream (on its own or acknowledging a CANCEL); no payload. */
    STREAM_END(6, false),
    /** The requester cancels a stream; no payload. */
    CANCEL(7, false),
    /** The requester got a response it was not waiting for: IN_RESPONSE_TO names the response; 8 inline bytes name
     * the request the response claimed to answer. */
    UNEXPECTED_RESPONSE(8, true);

    private static final Kind[] BY_CODE = new Kind[9];

    static {
        for (Kind k : values()) {
            BY_CODE[k.code] = k;
        }
    }

    final int code;
    final boolean payload;

    Kind(int code, boolean payload) {
        this.code = code;
        this.payload = payload;
    }

    /** The kind with this code, or null. */
    static Kind of(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** Whether IN_RESPONSE_TO must name a message of the peer. */
    boolean answers() {
        return this == RESPONSE || this == STREAM_ITEM || this == STREAM_END || this == CANCEL || this == UNEXPECTED_RESPONSE;
    }
}
