package dev.ipc4j.bench.harness;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import java.io.EOFException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One side of an Aeron IPC pair. Allocation-free per message: the fragment handler, the send buffer view and the idle
 * strategy are fields; a fragment is copied out of the log buffer into the caller's {@link Payload}, as any Aeron
 * consumer that keeps a message past the handler must.
 */
final class AeronLink implements PingPongTransport.Link {
    private final Aeron ownedClient;
    private final ExclusivePublication publication;
    private final Subscription subscription;
    private final IdleStrategy idle;
    private final UnsafeBuffer sendView = new UnsafeBuffer();
    private final FragmentHandler handler = this::onFragment;
    private Payload wrapped;
    private Payload target;
    private boolean arrived;
    private int wrongLength = -1;

    /** {@code ownedClient} is closed with the link (the child's side); null when the host owns the client. */
    AeronLink(Aeron ownedClient, ExclusivePublication publication, Subscription subscription, IdleStrategy idle) {
        this.ownedClient = ownedClient;
        this.publication = publication;
        this.subscription = subscription;
        this.idle = idle;
    }

    @Override
    public void send(Payload message, long deadlineNanos) throws IOException, TimeoutException {
        if (message != wrapped) {
            sendView.wrap(message.buffer(), 0, message.length());
            wrapped = message;
        }
        idle.reset();
        int idleCount = 0;
        long result;
        while ((result = publication.offer(sendView, 0, message.length())) < 0) {
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED || result == Publication.MAX_POSITION_EXCEEDED) {
                throw new EOFException("Aeron publication can no longer send (" + Publication.errorString(result) + ")");
            }
            // BACK_PRESSURED or ADMIN_ACTION: the subscriber is behind or the log is rotating; try again.
            idle.idle();
            if (++idleCount % Deadlines.CHECK_EVERY == 0) {
                Deadlines.check(deadlineNanos, "room in the Aeron publication");
            }
        }
    }

    @Override
    public void receive(Payload into, long deadlineNanos) throws IOException, TimeoutException {
        target = into;
        arrived = false;
        idle.reset();
        int idleCount = 0;
        while (subscription.poll(handler, 1) == 0) {
            idle.idle();
            if (++idleCount % Deadlines.CHECK_EVERY == 0) {
                Deadlines.check(deadlineNanos, "a message on the Aeron subscription");
                if (!subscription.isConnected()) {
                    throw new EOFException("the Aeron publisher is gone");
                }
            }
        }
        if (wrongLength >= 0) {
            int length = wrongLength;
            wrongLength = -1;
            throw new IOException("received a message of " + length + " bytes, expected " + into.length());
        }
        if (!arrived) {
            throw new IllegalStateException("poll reported a fragment but the handler saw none");
        }
    }

    private void onFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (length != target.length()) {
            wrongLength = length;
            return;
        }
        buffer.getBytes(offset, target.buffer(), 0, length);
        arrived = true;
    }

    private PingPongTransport.MessageCheck batchCheck;
    private int batchTaken;
    private IOException batchFailure;
    private final FragmentHandler batchHandler = this::onBatchFragment;

    /** One {@code subscription.poll(handler, limit)} per batch, as an Aeron reader that wants throughput polls. */
    @Override
    public int receiveUpTo(int limit, Payload into, PingPongTransport.MessageCheck each, long deadlineNanos)
            throws IOException, TimeoutException {
        target = into;
        batchCheck = each;
        batchTaken = 0;
        idle.reset();
        int idleCount = 0;
        while (subscription.poll(batchHandler, limit) == 0) {
            idle.idle();
            if (++idleCount % Deadlines.CHECK_EVERY == 0) {
                Deadlines.check(deadlineNanos, "a message on the Aeron subscription");
                if (!subscription.isConnected()) {
                    throw new EOFException("the Aeron publisher is gone");
                }
            }
        }
        if (batchFailure != null) {
            IOException e = batchFailure;
            batchFailure = null;
            throw e;
        }
        return batchTaken;
    }

    private void onBatchFragment(DirectBuffer buffer, int offset, int length, Header header) {
        if (batchFailure != null) {
            return;
        }
        if (length != target.length()) {
            batchFailure = new IOException("received a message of " + length + " bytes, expected " + target.length());
            return;
        }
        buffer.getBytes(offset, target.buffer(), 0, length);
        batchTaken++;
        try {
            batchCheck.check(target);
        } catch (IOException e) {
            batchFailure = e;
        }
    }

    @Override
    public void close() {
        if (ownedClient != null) {
            CloseHelper.quietCloseAll(publication, subscription, ownedClient);
        }
    }
}
