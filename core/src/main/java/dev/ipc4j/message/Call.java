package dev.ipc4j.message;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One call on a message channel (message protocol version 2), on either side: the caller opened it
 * ({@link MessageEndpoint#openCall}), the callee got it from its {@link CallHandler}. Both send messages within the
 * credit the other granted ({@link #request}), either may half-close and cancel, the callee closes it with a
 * {@link Status} and trailers. Unary calls, server and client streams and bidirectional streams are all this.
 *
 * <p>Contract per method: {@link #send}, {@link #sendHeaders}, {@link #halfClose}, {@link #request}, {@link #cancel}
 * and {@link #close} are thread-safe and never block: a send past the peer's credit returns
 * {@link MessageEndpoint#BACK_PRESSURED}; within it, a full ring defers the frame (bounded by the channel's
 * {@code maxDeferred}), since the credit already bounds what one call puts in flight. The listener's callbacks come
 * on the channel's driving thread.
 *
 * @param <R> the root type of the channel's codec
 */
public final class Call<R> {
    private final MessageEndpoint<R> endpoint;
    private final long id;
    private final boolean opener;
    private final CallOptions options;
    private final long deadline; // System.nanoTime() scale; Long.MAX_VALUE: none
    volatile CallListener<R> listener;
    /** Messages this side may still send: the peer's grants (INITIAL_CREDIT to begin with). */
    final AtomicLong sendCredit = new AtomicLong(Calls.INITIAL_CREDIT);
    /** Messages the peer may still send: our grants less what came. */
    final AtomicLong receiveCredit = new AtomicLong(Calls.INITIAL_CREDIT);
    private final AtomicBoolean halfClosedHere = new AtomicBoolean();
    private final AtomicBoolean headersHere = new AtomicBoolean();
    volatile boolean halfClosedThere;
    /** The caller got the callee's CALL_HEADERS (driving thread only). */
    boolean headersThere;
    private final AtomicBoolean ended = new AtomicBoolean();

    Call(MessageEndpoint<R> endpoint, long id, boolean opener, CallOptions options, long deadline, CallListener<R> listener) {
        this.endpoint = endpoint;
        this.id = id;
        this.opener = opener;
        this.options = options;
        this.deadline = deadline;
        this.listener = listener;
    }

    /** The call's id on the side that opened it. */
    public long id() {
        return id;
    }

    /** Whether this side opened the call (else it is the callee). */
    public boolean isCaller() {
        return opener;
    }

    /** The method, routing type, timeout and headers the call was opened with. */
    public CallOptions options() {
        return options;
    }

    /** When the call expires ({@link System#nanoTime()} scale), or {@link Long#MAX_VALUE}. */
    public long deadlineNanos() {
        return deadline;
    }

    /** Whether a {@link #send} now would be within the peer's credit (the ring may still be full). */
    public boolean isReady() {
        return !ended.get() && !halfClosedHere.get() && sendCredit.get() > 0;
    }

    public boolean isOpen() {
        return !ended.get();
    }

    /**
     * Sends one message of the call: its id, or {@link MessageEndpoint#BACK_PRESSURED} when the peer's credit is used
     * up (nothing was sent; {@link CallListener#onReady()} tells when credit comes). Within the credit a full ring
     * defers the frame: it goes out in order as the peer reads.
     *
     * @throws IllegalStateException when this side half-closed or the call is over
     */
    public long send(OutMessage out) throws MessageException {
        Objects.requireNonNull(out, "out");
        if (ended.get() || halfClosedHere.get()) {
            throw new IllegalStateException("call " + id + " is " + (ended.get() ? "over" : "half-closed here"));
        }
        while (true) {
            long c = sendCredit.get();
            if (c <= 0) {
                return MessageEndpoint.BACK_PRESSURED;
            }
            if (sendCredit.compareAndSet(c, c - 1)) {
                break;
            }
        }
        try {
            return endpoint.callFrame(Kind.CALL_MESSAGE, out, this);
        } catch (RuntimeException e) { // MessageException included
            sendCredit.incrementAndGet(); // not sent: the credit is still ours
            throw e;
        }
    }

    /**
     * The callee sends its response headers ({@link CallListener#onHeaders} on the caller's side), at most once and
     * before its first message; a callee that never does sends none (the caller's listener is not told).
     *
     * @throws IllegalStateException on the caller's side (its headers went with the opening), or a second time
     */
    public void sendHeaders(Metadata headers) throws MessageException {
        Objects.requireNonNull(headers, "headers");
        if (opener) {
            throw new IllegalStateException("the caller's headers go with the call's opening");
        }
        if (!headersHere.compareAndSet(false, true)) {
            throw new IllegalStateException("call " + id + " sent its headers already");
        }
        if (ended.get()) {
            return;
        }
        try (OutMessage body = Calls.headers(headers)) {
            endpoint.callFrame(Kind.CALL_HEADERS, body, this);
        }
    }

    /** This side sends no more messages; idempotent. */
    public void halfClose() throws MessageException {
        if (!ended.get() && halfClosedHere.compareAndSet(false, true)) {
            endpoint.callFrame(Kind.CALL_HALF_CLOSE, null, this);
        }
    }

    /** Allows the peer {@code n} more messages on this call (inbound flow control); no effect once it is over. */
    public void request(int n) throws MessageException {
        if (n < 1) {
            throw new IllegalArgumentException("request at least 1, not " + n);
        }
        if (ended.get()) {
            return;
        }
        receiveCredit.addAndGet(n);
        try (OutMessage credit = Calls.credit(n)) {
            endpoint.callFrame(Kind.CALL_CREDIT, credit, this);
        }
    }

    /** Gives the call up: the peer is told, and this side's listener closes with CANCELLED. Idempotent. */
    public void cancel() {
        endpoint.cancelCall(this, Status.CANCELLED.withDescription("cancelled here, by the " + (opener ? "caller" : "callee")),
                true);
    }

    /**
     * The callee ends the call with {@code status} and {@code trailers}; idempotent.
     *
     * @throws IllegalStateException on the caller's side (it cancels instead)
     */
    public void close(Status status, Metadata trailers) throws MessageException {
        if (opener) {
            throw new IllegalStateException("the caller does not close a call: it half-closes or cancels it");
        }
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(trailers, "trailers");
        if (!markEnded()) {
            return;
        }
        try (OutMessage body = Calls.close(status, trailers)) {
            endpoint.closeCall(this, body);
        }
    }

    /** Marks the call over; true for the one thread that did. */
    boolean markEnded() {
        return ended.compareAndSet(false, true);
    }

    @Override
    public String toString() {
        return "Call[" + (opener ? "caller" : "callee") + " " + id + " " + options.method() + (ended.get() ? ", over]" : "]");
    }
}
