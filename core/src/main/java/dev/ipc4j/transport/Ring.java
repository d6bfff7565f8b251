package dev.ipc4j.transport;

import static dev.ipc4j.transport.RingLayout.CONSUMER_CLOSED;
import static dev.ipc4j.transport.RingLayout.CONSUMER_MAY_PARK;
import static dev.ipc4j.transport.RingLayout.CONSUMER_PARKED;
import static dev.ipc4j.transport.RingLayout.HEAD;
import static dev.ipc4j.transport.RingLayout.PRODUCER_ENDED;
import static dev.ipc4j.transport.RingLayout.PRODUCER_MAY_PARK;
import static dev.ipc4j.transport.RingLayout.PRODUCER_PARKED;
import static dev.ipc4j.transport.RingLayout.RECORD_HEADER;
import static dev.ipc4j.transport.RingLayout.RECORD_LENGTH;
import static dev.ipc4j.transport.RingLayout.RECORD_TYPE;
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
 * <p>Invariant: {@code HEAD <= TAIL <= HEAD + capacity}, both multiples of 8; the bytes in {@code [HEAD, TAIL)} are
 * complete records, published by the producer's release store of TAIL and handed back by the consumer's release store
 * of HEAD. The peer may break this invariant (it is another process): the consumer checks every TAIL and record header
 * it reads and reports a {@link ProtocolException} rather than touching memory outside the data area.
 *
 * <p>Sleep/wake: a side about to sleep sets its PARKED word, then re-checks the other side's position; the other side
 * stores its position, then reads PARKED (both with volatile, i.e. sequentially consistent, access) and wakes only a
 * sleeper. So at least one of the two sees the other, and a writer whose reader never sleeps makes no system call.
 * A sleeping consumer is woken through its doorbell (an eventfd, so a runner can sleep on many rings and sockets in
 * one poll); a producer waiting for room through the PRODUCER_PARKED futex.
 * Each instance is used by one side only: as producer or as consumer, from one thread at a time.
 */
final class Ring {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

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
    // Consumer-local: the position to read next, the last TAIL read (re-read only once HEAD reaches it: each read of
    // the producer's line costs a cache-line transfer), and the record last validated by readRecord.
    private long head;
    private long tailCache;
    private int lastLength;
    private long lastRecord;
    private long lastPayload;

    private final EventFd[] consumerBells;

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

    /** The bytes a payload of {@code length} needs at the current position, padding included. */
    long bytesNeeded(int length) {
        long record = align8(RECORD_HEADER + (long) length);
        long toEnd = capacity - (tail & mask);
        return record > toEnd ? record + toEnd : record;
    }

    /**
     * Reserves a record for {@code length} payload bytes; returns the payload's offset in {@link #data()}, or -1 when
     * there is no room now. Nothing is visible to the consumer before {@link #commit}.
     */
    long tryClaim(int length) {
        long record = align8(RECORD_HEADER + (long) length);
        long index = tail & mask;
        long toEnd = capacity - index;
        long needed = record > toEnd ? record + toEnd : record;
        if (tail + needed - headCache > capacity) {
            headCache = (long) LONG.getAcquire(control, HEAD);
            if (tail + needed - headCache > capacity) {
                return -1;
            }
        }
        if (record > toEnd) {
            data.set(ValueLayout.JAVA_INT, index + RECORD_LENGTH, (int) (toEnd - RECORD_HEADER));
            data.set(ValueLayout.JAVA_INT, index + RECORD_TYPE, TYPE_PADDING);
            tail += toEnd;
            index = 0;
        }
        data.set(ValueLayout.JAVA_INT, index + RECORD_LENGTH, length);
        claimedAt = index;
        claimedRecord = record;
        return index + RECORD_HEADER;
    }

    /** Publishes the claimed record with {@code type}; wakes the consumer if it sleeps. */
    void commit(int type) throws ErrnoException {
        data.set(ValueLayout.JAVA_INT, claimedAt + RECORD_TYPE, type);
        tail += claimedRecord;
        claimedAt = -1;
        publishTail();
    }

    /** Turns the claimed record into padding the consumer skips. */
    void abort() throws ErrnoException {
        commit(TYPE_PADDING);
    }

    private void publishTail() throws ErrnoException {
        if ((int) INT.getOpaque(control, CONSUMER_MAY_PARK) == 0) {
            LONG.setRelease(control, TAIL, tail);
            return;
        }
        LONG.setVolatile(control, TAIL, tail);
        int parked = (int) INT.getVolatile(control, CONSUMER_PARKED);
        // 1 + the waiter's ordinal; any other value is the peer's nonsense and wakes nobody.
        if (parked != 0 && INT.compareAndSet(control, CONSUMER_PARKED, parked, 0) && parked > 0 && parked <= consumerBells.length) {
            consumerBells[parked - 1].signal();
        }
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

    /** Takes up the consumer's position from the segment; an impossible one is reported by the first read. */
    void attachConsumer(boolean mayPark) {
        head = (long) LONG.getAcquire(control, HEAD);
        tailCache = head;
        INT.setVolatile(control, CONSUMER_MAY_PARK, mayPark ? 1 : 0);
    }

    MemorySegment data() {
        return data;
    }

    /** TAIL as published (a shared word): every record below it is complete. Any thread; monotonic. */
    long publishedTail() {
        return (long) LONG.getAcquire(control, TAIL);
    }

    /** HEAD as published by the consumer: every record below it was handed to its handler, which returned. */
    long publishedHead() {
        return (long) LONG.getAcquire(control, HEAD);
    }

    /** Where complete records end: the last TAIL read while HEAD is below it, else TAIL read (and validated) anew. */
    long knownTail() throws ProtocolException {
        return head < tailCache ? tailCache : readTail();
    }

    /** The validated TAIL: complete records end there. */
    long readTail() throws ProtocolException {
        long t = (long) LONG.getAcquire(control, TAIL);
        if (t < head || t - head > capacity || ((t | head) & 7) != 0) {
            throw new ProtocolException("ring tail " + t + " is impossible with head " + head + " and capacity " + capacity);
        }
        tailCache = t;
        return t;
    }

    long head() {
        return head;
    }

    /**
     * Validates the record at HEAD (which must be below {@code tail}) and returns its type; its payload is at
     * {@link #payloadOffset()} with {@link #lastLength()} bytes.
     */
    int readRecord(long tail) throws ProtocolException {
        long index = head & mask;
        int length = data.get(ValueLayout.JAVA_INT, index + RECORD_LENGTH);
        int type = data.get(ValueLayout.JAVA_INT, index + RECORD_TYPE);
        long record = align8(RECORD_HEADER + (long) length);
        if (length < 0 || index + record > capacity || head + record > tail) {
            throw new ProtocolException("ring record at " + head + " claims " + length + " bytes: past the "
                    + (index + record > capacity ? "ring's end" : "published tail " + tail));
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

    /** Releases the record last read, so the producer may reuse its bytes. */
    void advance() {
        head += lastRecord;
        LONG.setRelease(control, HEAD, head);
    }

    /** After a batch of {@link #advance()}s: wake the producer if it sleeps waiting for room. */
    void wakeProducerIfParked() throws ErrnoException {
        if ((int) INT.getOpaque(control, PRODUCER_MAY_PARK) == 0) {
            return;
        }
        VarHandle.fullFence();
        if ((int) INT.getVolatile(control, PRODUCER_PARKED) == 1 && INT.compareAndSet(control, PRODUCER_PARKED, 1, 0)) {
            Futex.wake(control, PRODUCER_PARKED, 1);
        }
    }

    boolean producerEnded() {
        return (int) INT.getAcquire(control, PRODUCER_ENDED) != 0;
    }

    /** Consumer: sleep up to {@code nanos} unless a record arrived or the producer ended (as the runner). */
    void parkConsumer(long nanos) throws ErrnoException {
        if (armConsumer(Waiter.RUNNER)) {
            Poll.readable(consumerBell(Waiter.RUNNER).fd(), (int) Math.min(Integer.MAX_VALUE, (nanos + 999_999) / 1_000_000));
        }
        disarmConsumer(Waiter.RUNNER);
    }

    /**
     * First half of a consumer's sleep, for a driver that sleeps on many descriptors: announces it (the producer will
     * ring {@code waiter}'s doorbell, and only that one), then re-checks; false when a record or the end is here
     * already (do not sleep). Either way {@link #disarmConsumer} follows.
     */
    boolean armConsumer(Waiter waiter) {
        if ((int) INT.getOpaque(control, CONSUMER_MAY_PARK) == 0) {
            // A busy-spinning consumer's ring, now driven by a thread that sleeps: from now on the producer must ring.
            INT.setVolatile(control, CONSUMER_MAY_PARK, 1);
        }
        INT.setVolatile(control, CONSUMER_PARKED, waiter.ordinal() + 1);
        return (long) LONG.getVolatile(control, TAIL) == head && !producerEnded();
    }

    /** Second half: no longer asleep; the doorbell is silenced (a ring that came late costs one spurious wake-up). */
    void disarmConsumer(Waiter waiter) throws ErrnoException {
        disarmConsumer(waiter, true);
    }

    /**
     * As {@link #disarmConsumer(Waiter)}, reading the doorbell empty only when {@code rung} (the poll said it was
     * readable): a runner that sleeps on many rings then makes one read for the ring that woke it, not one per ring. A
     * bell rung after the poll stays readable and ends the next sleep at once, where it is read.
     */
    void disarmConsumer(Waiter waiter, boolean rung) throws ErrnoException {
        INT.setRelease(control, CONSUMER_PARKED, 0);
        if (rung) {
            consumerBell(waiter).drain();
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
