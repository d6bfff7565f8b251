package dev.ipc4j.transport;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The bytes of frames the socket has not taken yet, in one native byte ring (allocated on first use, then reused:
 * queuing allocates no memory per message), with the descriptors that ride on each frame's first byte.
 *
 * <p>Invariant: {@code used() == sum of the unsent bytes of queued frames <= capacity}; frames leave in order. Not
 * thread-safe: its owner guards it with the send lock.
 */
final class SendQueue {
    private static final Fd[] NO_FDS = new Fd[0];

    /** A queued frame: where it ends in the byte stream, and descriptors still to send with its first byte. */
    private record Entry(long start, long end, Fd[] fds) {}

    private final long capacity;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private MemorySegment ring;
    private long head; // bytes ever sent from the queue
    private long tail; // bytes ever queued

    SendQueue(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    long used() {
        return tail - head;
    }

    boolean isEmpty() {
        return tail == head;
    }

    /** Whether {@code bytes} more fit. */
    boolean fits(long bytes) {
        return used() + bytes <= capacity;
    }

    /** Queues {@code length} bytes of {@code from} as one frame (or its unsent rest), taking ownership of {@code fds}. */
    void add(MemorySegment from, long offset, long length, Fd[] fds) {
        add(from, offset, length, from, 0, 0, fds);
    }

    /** Queues one frame made of two parts (e.g. the rest of a header, then the payload). */
    void add(MemorySegment a, long aOffset, long aLength, MemorySegment b, long bOffset, long bLength, Fd[] fds) {
        if (ring == null) {
            ring = Arena.ofAuto().allocate(capacity, 64);
        }
        long start = tail;
        append(a, aOffset, aLength);
        append(b, bOffset, bLength);
        entries.add(new Entry(start, tail, fds));
    }

    private void append(MemorySegment from, long offset, long length) {
        long at = tail % capacity;
        long first = Math.min(length, capacity - at);
        MemorySegment.copy(from, offset, ring, at, first);
        if (first < length) {
            MemorySegment.copy(from, offset + first, ring, 0, length - first);
        }
        tail += length;
    }

    /**
     * Sends from the head without blocking; returns the bytes the socket took (0 when it is full). A frame's
     * descriptors go with its first byte and are closed here once sent.
     */
    long sendSome(UnixSocket socket) throws ErrnoException {
        Entry e = entries.peek();
        if (e == null) {
            return 0;
        }
        long at = head % capacity;
        long contiguous = Math.min(e.end() - head, capacity - at);
        boolean first = head == e.start();
        long n = socket.send(ring, at, contiguous, true, first ? e.fds() : NO_FDS);
        if (n > 0) {
            if (first) {
                Closing.all(e.fds());
            }
            head += n;
            if (head == e.end()) {
                entries.poll();
            } else if (first && e.fds().length > 0) {
                entries.poll();
                entries.addFirst(new Entry(e.start(), e.end(), NO_FDS));
            }
        }
        return n;
    }

    /** Drops everything queued, closing descriptors never sent. */
    void clear() {
        for (Entry e : entries) {
            if (head <= e.start()) {
                Closing.all(e.fds());
            }
        }
        entries.clear();
        head = tail;
    }
}
