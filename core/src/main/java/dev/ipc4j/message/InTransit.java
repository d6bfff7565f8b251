package dev.ipc4j.message;

import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.transport.RingPipe;
import java.util.PriorityQueue;

/**
 * Keeps blocks lent in ring frames alive until the peer has taken the frame: a sender may close its
 * {@link OutMessage} as soon as {@code send} returns, and the peer's borrow must still find the block. For each
 * shared-memory frame the writer retains its own block ({@link ShmArena#retain}: a private count, no shared-memory
 * write) and gives the hold here with the ring's {@link RingPipe#sentPosition()} read after the send; it is given
 * back once {@link RingPipe#peerConsumedPosition()} reaches that position, i.e. the peer's reader has handled the
 * frame, and that reader borrows before its handler returns. No acknowledgement message is needed.
 *
 * <p>Invariant: {@code held} holds exactly the holds not yet given back, ordered by position; positions only grow, so
 * the released ones are always a prefix. A hostile peer can only make its own borrows fail by publishing a consumer
 * position ahead of what it read. When the channel ends, every hold left is given back.
 */
final class InTransit implements AutoCloseable {
    /** This side's retained hold on a block: given back with {@link #release()}. */
    record Hold(ShmArena arena, long id) {
        void release() {
            try {
                arena.free(id);
            } catch (RuntimeException e) {
                // the arena is closed (the session ended): every hold went with it
            }
        }
    }

    private record Held(long position, Hold lease) {}

    private final RingPipe ring;
    private final PriorityQueue<Held> held = new PriorityQueue<>((a, b) -> Long.compare(a.position, b.position));
    private boolean closed;

    InTransit(RingPipe ring) {
        this.ring = ring;
    }

    /** Keeps {@code lease} until the peer has consumed the ring up to {@code position}. */
    void hold(Hold lease, long position) {
        synchronized (this) {
            if (!closed) {
                held.add(new Held(position, lease));
                lease = null;
            }
        }
        if (lease != null) {
            lease.release(); // the channel has ended: nothing will be consumed any more
        }
        releaseConsumed();
    }

    /** Closes the leases of frames the peer has consumed; returns how many. */
    int releaseConsumed() {
        long consumed;
        try {
            consumed = ring.peerConsumedPosition();
        } catch (IllegalStateException closedMeanwhile) {
            return 0; // the ring is unmapped: close() releases everything
        }
        int released = 0;
        while (true) {
            Held h;
            synchronized (this) {
                h = held.peek();
                if (h == null || h.position > consumed) {
                    return released;
                }
                held.poll();
            }
            h.lease.release();
            released++;
        }
    }

    /** How many frames are still in transit (for tests). */
    synchronized int size() {
        return held.size();
    }

    @Override
    public void close() {
        releaseConsumed();
        synchronized (this) {
            closed = true;
        }
        while (true) {
            Held h;
            synchronized (this) {
                h = held.poll();
            }
            if (h == null) {
                return;
            }
            h.lease.release();
        }
    }
}
