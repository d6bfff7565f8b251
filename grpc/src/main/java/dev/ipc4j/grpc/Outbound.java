package dev.ipc4j.grpc;

import dev.ipc4j.message.Call;
import dev.ipc4j.message.MessageEndpoint;
import dev.ipc4j.message.MessageException;
import dev.ipc4j.message.OutMessage;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * A call's messages sent beyond the peer's credit. gRPC lets a sender ignore {@code isReady()} (its transports buffer,
 * and services that stream with a plain loop of {@code onNext} rely on it), so messages the ipc4j call would refuse
 * wait here, built already, and go as credit comes ({@link #flush}); what must follow them (a half-close, a close)
 * waits behind them. Bounded: past {@link #MAX_BYTES} (each message counted at least {@link #OVERHEAD} bytes) the
 * call ends with RESOURCE_EXHAUSTED, telling the sender to respect {@code isReady()}.
 *
 * <p>Thread-safe: the sender's thread sends, the channel's driving thread flushes.
 */
final class Outbound {
    static final long MAX_BYTES = 64L << 20;
    static final long OVERHEAD = 64;
    private final ArrayDeque<OutMessage> queued = new ArrayDeque<>();
    private Call<MemorySegment> call;
    private long queuedBytes;
    private Step afterFlush;

    /** What follows the queued messages: a half-close or a close. */
    @FunctionalInterface
    interface Step {
        void run() throws MessageException;
    }
    private boolean discarded;

    synchronized void attach(Call<MemorySegment> call) {
        this.call = call;
    }

    /**
     * Sends {@code out} now or after what waits; takes it over (closes it once sent or dropped).
     *
     * @return false when the queue is full (nothing was taken: the caller closes {@code out} and ends the call)
     */
    synchronized boolean send(OutMessage out) throws MessageException {
        if (discarded || !call.isOpen()) { // over: gRPC drops what is sent after the end, the close tells the rest
            out.close();
            return true;
        }
        if (queued.isEmpty() && afterFlush == null && sent(out)) {
            out.close();
            return true;
        }
        if (queuedBytes + cost(out) > MAX_BYTES) {
            return false;
        }
        queued.add(out);
        queuedBytes += cost(out);
        return true;
    }

    /** Whether {@code out} went (or the call ended meanwhile, which drops it); false: no credit. */
    private boolean sent(OutMessage out) throws MessageException {
        try {
            return call.send(out) != MessageEndpoint.BACK_PRESSURED;
        } catch (IllegalStateException over) {
            return true; // the call ended between the check and the send: its close tells the rest
        }
    }

    private static long cost(OutMessage out) {
        return Math.max(OVERHEAD, out.length());
    }

    /** Sends what waits while the peer's credit lasts, then what was to follow it. */
    synchronized void flush() throws MessageException {
        while (!queued.isEmpty() && !discarded && call.isOpen()) {
            OutMessage out = queued.peek();
            if (!sent(out)) {
                return;
            }
            queued.poll();
            queuedBytes -= cost(out);
            out.close();
        }
        if (afterFlush != null && !discarded) {
            Step end = afterFlush;
            afterFlush = null;
            end.run();
        }
    }

    /** Runs {@code end} once everything queued has gone (at once if nothing waits). */
    synchronized void then(Step end) throws MessageException {
        afterFlush = end;
        flush();
    }

    synchronized boolean isReady() {
        return !discarded && call != null && queued.isEmpty() && afterFlush == null && call.isReady();
    }

    /** Drops what waits: the call is over. */
    synchronized void discard() {
        discarded = true;
        afterFlush = null;
        OutMessage out;
        while ((out = queued.poll()) != null) {
            out.close();
        }
        queuedBytes = 0;
    }
}
