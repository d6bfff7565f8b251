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
    UNEXPECTED_RESPONSE(8, true),
    /** Opens a call (version 2): ID is the call's id on the opener's side; the inline body is its {@link CallOptions}. */
    CALL_OPEN(9, true),
    /** One message of a call, either way: IN_RESPONSE_TO names the call (FLAGS' PEER_CALL: the receiver opened it). */
    CALL_MESSAGE(10, true),
    /** The sender sends no more messages on the call; no payload. */
    CALL_HALF_CLOSE(11, false),
    /** The callee ends the call: inline body status code, description and trailers ({@link Calls}). */
    CALL_CLOSE(12, true),
    /** Either side gives the call up: 4 inline bytes, the status code why (CANCELLED, DEADLINE_EXCEEDED). */
    CALL_CANCEL(13, true),
    /** The receiver of a call's messages allows the sender N more: 8 inline bytes. */
    CALL_CREDIT(14, true),
    /** The callee's response headers, once, before its first message: inline metadata ({@link Calls}). */
    CALL_HEADERS(15, true);

    private static final Kind[] BY_CODE = new Kind[16];

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
        return this == RESPONSE || this == STREAM_ITEM || this == STREAM_END || this == CANCEL || this == UNEXPECTED_RESPONSE
                || this == CALL_MESSAGE || this == CALL_HALF_CLOSE || this == CALL_CLOSE || this == CALL_CANCEL
                || this == CALL_CREDIT || this == CALL_HEADERS;
    }

    /** Whether the frame belongs to a call (version 2), so FLAGS may carry PEER_CALL. */
    boolean ofCall() {
        return code >= CALL_MESSAGE.code;
    }

    /** Whether the body must be inline bytes the message layer itself reads (never a handle, never descriptors). */
    boolean control() {
        return this == CALL_OPEN || this == CALL_CLOSE || this == CALL_CREDIT || this == CALL_CANCEL
                || this == CALL_HEADERS || this == UNEXPECTED_RESPONSE;
    }
}
