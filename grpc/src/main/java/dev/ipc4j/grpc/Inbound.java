package dev.ipc4j.grpc;

import dev.ipc4j.message.Call;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A call's received messages, handed to the gRPC listener only as it {@code request}s them; and what must wait until
 * they are all handed over (the peer's half-close, a successful close).
 *
 * <p>Two levels of flow control, as gRPC over HTTP/2 has them: the application's {@code request(n)} decides what is
 * delivered; the transport's window decides what the peer may send ahead. The window is ipc4j call credit: on a
 * streaming side {@link #WINDOW} messages, granted at the start and topped up as messages are delivered; on a side
 * that receives one message (a unary request or response) ipc4j's initial credit of one, no frame spent. So at most a
 * window of messages waits here, whatever the application requests.
 *
 * <p>Single-thread contract: every method but {@link #open} runs on the call's {@link SerialExecutor}.
 */
final class Inbound {
    /** Messages a streaming peer may send ahead of the application's requests. */
    static final int WINDOW = 64;
    private static final System.Logger LOG = System.getLogger("dev.ipc4j.grpc");
    private final ArrayDeque<InMessage<MemorySegment>> pending = new ArrayDeque<>();
    private final Consumer<InMessage<MemorySegment>> deliver;
    private final boolean streaming;
    private volatile Call<MemorySegment> call;
    private int consumed;
    private long demand;
    private Runnable afterDrain;
    private boolean discarded;

    /**
     * @param streaming whether this side receives a stream (else one message)
     * @param deliver hands one requested message to the application
     */
    Inbound(boolean streaming, Consumer<InMessage<MemorySegment>> deliver) {
        this.streaming = streaming;
        this.deliver = deliver;
    }

    /** The call is open: a streaming side opens its window (any thread, once). */
    void open(Call<MemorySegment> opened) {
        this.call = opened;
        if (streaming) {
            grant(opened, WINDOW - 1); // ipc4j's initial credit is the first
        }
    }

    private static void grant(Call<MemorySegment> c, int n) {
        if (c.isOpen()) {
            try {
                c.request(n);
            } catch (MessageException e) {
                LOG.log(System.Logger.Level.DEBUG, "granting credit on a call whose channel ended", e); // the close says
            }
        }
    }

    void add(InMessage<MemorySegment> m) {
        if (discarded) {
            m.close();
            return;
        }
        pending.add(m);
        drain();
    }

    void request(int n) {
        demand = Math.min(Long.MAX_VALUE / 2, demand + n);
        drain();
    }

    /** Runs {@code end} once every message that came before it was handed over (at once if none waits). */
    void then(Runnable end) {
        if (discarded) {
            return;
        }
        afterDrain = end;
        drain();
    }

    /** Drops what waits (closing it) and whatever comes later: the call is over. */
    void discard() {
        discarded = true;
        afterDrain = null;
        InMessage<MemorySegment> m;
        while ((m = pending.poll()) != null) {
            m.close();
        }
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    private void drain() {
        while (demand > 0 && !discarded && !pending.isEmpty()) {
            demand--;
            deliver.accept(pending.poll());
            if (streaming && ++consumed >= WINDOW / 2 && call != null) {
                grant(call, consumed);
                consumed = 0;
            }
        }
        if (pending.isEmpty() && afterDrain != null && !discarded) {
            Runnable end = afterDrain;
            afterDrain = null;
            end.run();
        }
    }
}
