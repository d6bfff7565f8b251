package dev.ipc4j.transport;

import static dev.ipc4j.transport.RingLayout.CONSUMER_CLOSED;
import static dev.ipc4j.transport.RingLayout.CONSUMER_MAY_PARK;
import static dev.ipc4j.transport.RingLayout.CONSUMER_PARKED;
import static dev.ipc4j.transport.RingLayout.HEAD;
import static dev.ipc4j.transport.RingLayout.PRODUCER_ENDED;
import static dev.ipc4j.transport.RingLayout.PRODUCER_MAY_PARK;
import static dev.ipc4j.transport.RingLayout.PRODUCER_PARKED;
import static dev.ipc4j.transport.RingLayout.RECORD_HEADER;
import static dev.ipc4j.transport.RingLayout.TAIL;
import static dev.ipc4j.transport.RingLayout.TYPE_DATA;
import static dev.ipc4j.transport.RingLayout.TYPE_END;
import static dev.ipc4j.transport.RingLayout.TYPE_PADDING;
import static dev.ipc4j.transport.RingLayout.align8;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Futex;
import dev.ipc4j.os.Poll;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * One direction of a ring pipe: a single-producer single-consumer queue of variable-length records in shared memory.
 * Layout in {@link RingLayout}.
 *
 * <p>Commit: each record is published through its own header word ({@link RingLayout#headerWord}, never 0 for a real
 * record), stored last with release semantics; the consumer polls the header word at its position, so once it has
 * caught up it waits on the line it is about to read, not on a shared tail (one cache-line transfer per record, not
 * two). For that, the header word at the producer's position is always 0 until the record there is committed: when it
 * claims a record the producer clears the header word of the one after it, and it never fills the ring so far that
 * this next header would lie in bytes the consumer has not handed back ({@link RingLayout#NEXT_HEADER_RESERVE}).
 * TAIL is still published after each commit, for {@link #publishedTail()} and diagnostics; the consumer never uses it
 * to find records.
 *
 * <p>Invariant (honest producer): {@code HEAD <= tail <= HEAD + capacity - 8}, all multiples of 8; the committed
 * records between HEAD and the producer's position are complete, and HEAD, handed back by the consumer with one release
 * store per poll (not per record), says which bytes the producer may reuse. The peer may break this (it is another
 * process): the consumer checks every header it reads and reports a {@link ProtocolException} rather than touching
 * memory outside the data area.
 *
 * <p>Sleep/wake: a side about to sleep sets its PARKED word, then re-checks the other side's progress (the consumer:
 * the header word at its position; the producer: HEAD); the other side stores its progress, then reads PARKED (both
 * with volatile, i.e. sequentially consistent, access) and wakes only a sleeper. So at least one of the two sees the
 * other, and a writer whose reader never sleeps makes no system call.
 * A sleeping consumer is woken through its doorbell (an eventfd, so a runner can sleep on many rings and sockets in
 * one poll); a producer waiting for room through the PRODUCER_PARKED futex.
 * Each instance is used by one side only: as producer or as consumer, from one thread at a time.
 */
final class Ring {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** What {@link #readRecord()} returns when nothing is committed at the consumer's position yet. */
    static final int NONE = 0;

    private final MemorySegment control;
    private final MemorySegment data;
    private final long capacity;
    private final long mask;
    private final int maxRecordPayload;

    // Producer-local: the position to write next, and the last HEAD seen (read again only when space seems short).
    private long tail;
    private long headCache;
    private long claimedAt = -1;
    private long claimedRecord;
    private int claimedLength;
    // Consumer-local: the position to read next, the position last handed back (published as HEAD), and the record
    // last validated by readRecord.
    private long head;
    private long publishedHead;
    private int lastLength;
    private long lastRecord;
    private long lastPayload;

    private final EventFd[] consumerBells;
    /** Per waiter (consumer side): its doorbell woke it and is still to be read empty (at its next arm). */
    private final boolean[] bellRung = new boolean[Waiter.values().length];

    /**
     * @param consumerBells the doorbells of this ring's consumer (ours for the incoming ring, the peer's for the
     *     outgoing), one per {@link Waiter}, in that order
     */
    Ring(MemorySegment control, MemorySegment data, EventFd... consumerBells) {
        this.consumerBells = consumerBells;
        this.control = control;
        this.data = data;
        this.capacity = data.byteSize();
        this.mask = capacity - 1;
        this.maxRecordPayload = (int) Math.min(Integer.MAX_VALUE - 64, capacity / 4 - RECORD_HEADER);
        assert capacity > 4L * RingLayout.NEXT_HEADER_RESERVE;
    }

    /** The largest payload one record may carry; larger messages travel as fragments. */
    int maxRecordPayload() {
        return maxRecordPayload;
    }

    long capacity() {
        return capacity;
    }

    // ---------------------------------------------------------------- producer side

    /** Takes up the producer's position from the segment, which the peer may have forged: it is checked first. */
    void attachProducer(boolean mayPark) throws ProtocolException {
        tail = (long) LONG.getAcquire(control, TAIL);
        headCache = (long) LONG.getAcquire(control, HEAD);
        checkPositions(headCache, tail);
        INT.setRelease(control, PRODUCER_MAY_PARK, mayPark ? 1 : 0);
    }

    private void checkPositions(long h, long t) throws ProtocolException {
        if (((h | t) & 7) != 0 || t < h || t - h > capacity) {
            throw new ProtocolException("ring positions head " + h + ", tail " + t + " are impossible with capacity " + capacity);
        }
    }

    /** Free bytes as far as the producer knows (reads HEAD). */
    long freeSpace() {
        headCache = (long) LONG.getAcquire(control, HEAD);
        return capacity - (tail - headCache);
    }

    /**
     * The free bytes a payload of {@code length} needs at the current position: its record, the padding before it
     * when it does not fit before the ring's end, and the next record's header word, which the commit clears.
     */
    long bytesNeeded(int length) {
        long record = align8(RECORD_HEADER + (long) length);
        long toEnd = capacity - (tail & mask);
        return (record > toEnd ? record + toEnd : record) + RingLayout.NEXT_HEADER_RESERVE;
    }

    /**
     * Reserves a record for {@code length} payload bytes; returns the payload's offset in {@link #data()}, or -1 when
     * there is no room now. Nothing is visible to the consumer before {@link #commit}, except a padding record when
     * the claim moved to the ring's start (it is committed here, over a cleared header at 0, so the consumer that
     * skips it finds "nothing yet" until the claim commits).
     */
    long tryClaim(int length) {
        long record = align8(RECORD_HEADER + (long) length);
        long index = tail & mask;
        long toEnd = capacity - index;
        long needed = (record > toEnd ? record + toEnd : record) + RingLayout.NEXT_HEADER_RESERVE;
        if (tail + needed - headCache > capacity) {
            headCache = (long) LONG.getAcquire(control, HEAD);
            if (tail + needed - headCache > capacity) {
                return -1;
            }
        }
        if (record > toEnd) {
            LONG.set(data, 0L, 0L);
            LONG.setRelease(data, index, RingLayout.headerWord((int) (toEnd - RECORD_HEADER), TYPE_PADDING));
            tail += toEnd;
            index = 0;
        }
        claimedAt = index;
        claimedRecord = record;
        claimedLength = length;
        // The next record's header word, cleared now (plain; ordered before the commit's release store, which the
        // consumer acquires before it looks there): before the payload is written, so that the line the consumer
        // polls is written last and in one burst.
        LONG.set(data, (index + record) & mask, 0L);
        return index + RECORD_HEADER;
    }

    /**
     * Publishes the claimed record with {@code type}: stores its header word (release; volatile when the consumer may
     * sleep, which it must see or be seen by), then TAIL; wakes the consumer if it sleeps.
     */
    void commit(int type) throws ErrnoException {
        long at = claimedAt;
        long word = RingLayout.headerWord(claimedLength, type);
        tail += claimedRecord;
        claimedAt = -1;
        if ((int) INT.getOpaque(control, CONSUMER_MAY_PARK) == 0) {
            LONG.setRelease(data, at, word);
            LONG.setRelease(control, TAIL, tail);
            return;
        }
        LONG.setVolatile(data, at, word);
        LONG.setRelease(control, TAIL, tail);
        int parked = (int) INT.getVolatile(control, CONSUMER_PARKED);
        // 1 + the waiter's ordinal; any other value is the peer's nonsense and wakes nobody.
        if (parked != 0 && INT.compareAndSet(control, CONSUMER_PARKED, parked, 0) && parked > 0 && parked <= consumerBells.length) {
            consumerBells[parked - 1].signal();
        }
    }

    /** Turns the claimed record into padding the consumer skips. */
    void abort() throws ErrnoException {
        commit(TYPE_PADDING);
    }

    /** Producer: sleep up to {@code nanos} unless room for {@code needed} bytes appeared or the consumer closed. */
    void parkProducer(long needed, long nanos) throws ErrnoException {
        announcePark(PRODUCER_PARKED);
        long h = (long) LONG.getVolatile(control, HEAD);
        sleepUnless(PRODUCER_PARKED, tail + needed - h <= capacity || consumerClosed(), nanos);
    }

    /** First half of a park: say so (volatile), so the other side's volatile position store is seen or sees us. */
    private void announcePark(long word) {
        INT.setVolatile(control, word, 1);
    }

    /** Second half, after re-checking the other side: sleep on the word unless {@code ready}, then clear it. */
    private void sleepUnless(long word, boolean ready, long nanos) throws ErrnoException {
        if (!ready) {
            Futex.await(control, word, 1, nanos);
        }
        INT.setRelease(control, word, 0);
    }

    void endProducing() throws ErrnoException {
        INT.setRelease(control, PRODUCER_ENDED, 1);
        wakeConsumer();
    }

    boolean consumerClosed() {
        return (int) INT.getAcquire(control, CONSUMER_CLOSED) != 0;
    }

    // ---------------------------------------------------------------- consumer side

    /** Takes up the consumer's position from the segment, which the peer may have forged: it is checked first. */
    void attachConsumer(boolean mayPark) throws ProtocolException {
        long h = (long) LONG.getAcquire(control, HEAD);
        if ((h & 7) != 0 || h < 0) {
            throw new ProtocolException("ring head " + h + " is impossible");
        }
        head = h;
        publishedHead = h;
        INT.setVolatile(control, CONSUMER_MAY_PARK, mayPark ? 1 : 0);
    }

    MemorySegment data() {
        return data;
    }

    /** TAIL as published (a shared word): every record below it is committed. Any thread; monotonic. */
    long publishedTail() {
        return (long) LONG.getAcquire(control, TAIL);
    }

    /** HEAD as published by the consumer: every record below it was handed to its handler, which returned. */
    long publishedHead() {
        return (long) LONG.getAcquire(control, HEAD);
    }

    /** Whether a record is committed at the consumer's position (acquire: what it says is visible). */
    boolean hasRecord() {
        return (long) LONG.getAcquire(data, head & mask) != 0;
    }

    /**
     * Validates the record committed at the consumer's position and returns its type, or {@link #NONE} when nothing is
     * committed there yet; the payload is at {@link #payloadOffset()} with {@link #lastLength()} bytes.
     */
    int readRecord() throws ProtocolException {
        long index = head & mask;
        long word = (long) LONG.getAcquire(data, index);
        if (word == 0) {
            return NONE;
        }
        int length = RingLayout.length(word);
        int type = RingLayout.type(word);
        long record = align8(RECORD_HEADER + (long) length);
        if (length < 0 || record > capacity - index) {
            throw new ProtocolException("ring record at " + head + " claims " + length + " bytes: past the ring's end");
        }
        if (type < TYPE_DATA || type > TYPE_END) {
            throw new ProtocolException("ring record at " + head + " has unknown type " + type);
        }
        lastLength = length;
        lastRecord = record;
        lastPayload = index + RECORD_HEADER;
        return type;
    }

    int lastLength() {
        return lastLength;
    }

    long payloadOffset() {
        return lastPayload;
    }

    /** Moves past the record last read; the producer may reuse its bytes after the next {@link #publishHead()}. */
    void advance() {
        head += lastRecord;
    }

    /**
     * After a batch of {@link #advance()}s: hands the records back with one release store of HEAD, then wakes the
     * producer if it sleeps waiting for room.
     */
    void publishHead() throws ErrnoException {
        if (head == publishedHead) {
            return;
        }
        publishedHead = head;
        if ((int) INT.getOpaque(control, PRODUCER_MAY_PARK) == 0) {
            LONG.setRelease(control, HEAD, head);
            return;
        }
        LONG.setVolatile(control, HEAD, head);
        if ((int) INT.getVolatile(control, PRODUCER_PARKED) == 1 && INT.compareAndSet(control, PRODUCER_PARKED, 1, 0)) {
            Futex.wake(control, PRODUCER_PARKED, 1);
        }
    }

    boolean producerEnded() {
        return (int) INT.getAcquire(control, PRODUCER_ENDED) != 0;
    }

    /** Consumer: sleep up to {@code nanos} unless a record arrived or the producer ended (as the runner). */
    void parkConsumer(long nanos) throws ErrnoException {
        boolean rung = false;
        if (armConsumer(Waiter.RUNNER)) {
            rung = Poll.readable(consumerBell(Waiter.RUNNER).fd(), (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
        }
        disarmConsumer(Waiter.RUNNER, rung);
    }

    /**
     * First half of a consumer's sleep, for a driver that sleeps on many descriptors: reads {@code waiter}'s doorbell
     * empty if a wake-up left it rung, announces the sleep (the producer will ring that doorbell, and only that one),
     * then re-checks; false when a record or the end is here already (do not sleep). Either way {@link #disarmConsumer}
     * follows.
     */
    boolean armConsumer(Waiter waiter) throws ErrnoException {
        int w = waiter.ordinal();
        if (bellRung[w]) {
            // Before the announcement: until then the producer rings nobody, so no ring is lost here.
            bellRung[w] = false;
            consumerBell(waiter).drain();
        }
        if ((int) INT.getOpaque(control, CONSUMER_MAY_PARK) == 0) {
            // A busy-spinning consumer's ring, now driven by a thread that sleeps: from now on the producer must ring.
            INT.setVolatile(control, CONSUMER_MAY_PARK, 1);
        }
        INT.setVolatile(control, CONSUMER_PARKED, w + 1);
        return (long) LONG.getVolatile(data, head & mask) == 0 && !producerEnded();
    }

    /**
     * Second half: no longer asleep. When {@code rung} (the poll said the doorbell was readable) the doorbell is read
     * empty at the next {@link #armConsumer}, not now: that read is a system call, and now it would lie between the
     * wake-up and the message it announced. A runner that sleeps on many rings reads only the one that woke it; a bell
     * rung after the poll stays readable and ends the next sleep at once (one spurious wake-up), where it is read.
     */
    void disarmConsumer(Waiter waiter, boolean rung) throws ErrnoException {
        INT.setRelease(control, CONSUMER_PARKED, 0);
        if (rung) {
            bellRung[waiter.ordinal()] = true;
        }
    }

    /** Withdraws the runner's announcement (a caller drives now and does not want the runner woken for its input). */
    void withdrawRunner() {
        INT.compareAndSet(control, CONSUMER_PARKED, Waiter.RUNNER.ordinal() + 1, 0);
    }

    EventFd consumerBell(Waiter waiter) {
        return consumerBells[waiter.ordinal()];
    }

    void closeConsuming() throws ErrnoException {
        INT.setRelease(control, CONSUMER_CLOSED, 1);
        wakeProducer();
    }

    int consumerParkedWord() {
        return (int) INT.getVolatile(control, CONSUMER_PARKED);
    }

    int producerParkedWord() {
        return (int) INT.getVolatile(control, PRODUCER_PARKED);
    }

    /** Wakes a sleeping consumer whatever the state (close, end): every doorbell. */
    void wakeConsumer() throws ErrnoException {
        INT.setVolatile(control, CONSUMER_PARKED, 0);
        for (EventFd bell : consumerBells) {
            bell.signal();
        }
    }

    /** Wakes a sleeping producer whatever the state. */
    void wakeProducer() throws ErrnoException {
        INT.setVolatile(control, PRODUCER_PARKED, 0);
        Futex.wake(control, PRODUCER_PARKED, Integer.MAX_VALUE);
    }
}
