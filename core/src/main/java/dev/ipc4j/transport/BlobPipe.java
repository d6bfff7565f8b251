package dev.ipc4j.transport;

import dev.ipc4j.os.Threads;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * A bidirectional pipe of messages that keeps their boundaries.
 *
 * <p>Sending never drops a message: it is in the pipe, or {@code send} waits for room (as long as the peer lives and
 * neither side closed), or {@code trySend} says it could not. Sends are thread-safe. Receiving is done by one thread
 * at a time, with {@link #poll}, {@link #receive}, or by handing the pipe to {@link #deliverTo}.
 *
 * <p>Ending: {@link #endSending()} lets the peer receive everything sent so far and then {@link Receipt#ENDED};
 * {@link #close()} does the same and also stops receiving. A peer that dies makes receives fail with
 * {@link PeerGoneException} once its complete messages have been delivered.
 */
public sealed interface BlobPipe extends AutoCloseable permits HandlePipe, RingPipe {
    /** {@link #poll} returns this once the peer has ended sending and nothing is left. */
    int ENDED = -1;

    /** Sends a copy of {@code message}, waiting while the pipe is full. */
    void send(MemorySegment message) throws TransportException;

    /** Sends a copy of {@code message} if there is room now; false (and nothing sent) otherwise. */
    boolean trySend(MemorySegment message) throws TransportException;

    /** Sends a copy of {@code message}, waiting at most {@code timeout} for room; false if there was none. */
    boolean trySend(MemorySegment message, Duration timeout) throws TransportException;

    /** Graceful half-close: the peer receives every message sent so far, then end of stream. Idempotent. */
    void endSending() throws TransportException;

    /**
     * Hands up to {@code limit} waiting messages to {@code handler} on this thread without waiting; returns how many,
     * or {@link #ENDED}.
     */
    int poll(BlobHandler handler, int limit) throws TransportException;

    /** Waits up to {@code timeout} for one message and hands it to {@code handler} on this thread. */
    Receipt receive(BlobHandler handler, Duration timeout) throws TransportException;

    /**
     * Receives on a thread of the pipe's own and hands each message, copied, to {@code handler} on {@code executor}
     * (a serial executor keeps their order). The future completes when the peer ends sending, or exceptionally with
     * the {@link TransportException} that stopped the pipe. The receiving thread is a daemon platform thread (a socket
     * pipe's: from its {@link SocketPipe.Config#threadFactory()}); {@link #deliverTo(BlobHandler, Executor,
     * ThreadFactory)} takes yours.
     */
    default CompletableFuture<Void> deliverTo(BlobHandler handler, Executor executor) {
        return deliverTo(handler, executor, Threads.DAEMON);
    }

    /**
     * {@link #deliverTo(BlobHandler, Executor)} with the receiving thread made by {@code threadFactory} (it blocks in
     * system calls: a virtual thread pins its carrier while it waits).
     *
     * @throws IllegalStateException when the factory makes no thread
     */
    CompletableFuture<Void> deliverTo(BlobHandler handler, Executor executor, ThreadFactory threadFactory);

    /** Whether the pipe may still be used: not closed, and no error has stopped it. */
    boolean isOpen();

    /**
     * For a thread that drives this pipe with {@link #poll} and wants to sleep until it has input (e.g. a
     * {@link Runner}): registers what will wake it in {@code waits} and arms it; false when input (or the end, or a
     * failure) is here already, and the driver should poll instead. {@link #awoke(Waiter)} must follow, with the same
     * waiter. Calls for one pipe must not overlap (the driver serializes them).
     */
    boolean prepareToSleep(WaitSet waits, Waiter waiter);

    /** The sleep after {@link #prepareToSleep} ended (or did not happen): disarms the wake-up, silences the doorbell. */
    void awoke(Waiter waiter);

    /** {@link #prepareToSleep(WaitSet, Waiter)} as the {@link Waiter#RUNNER}. */
    default boolean prepareToSleep(WaitSet waits) {
        return prepareToSleep(waits, Waiter.RUNNER);
    }

    /** {@link #awoke(Waiter)} as the {@link Waiter#RUNNER}. */
    default void awoke() {
        awoke(Waiter.RUNNER);
    }

    /**
     * A caller takes over driving the pipe from the runner for a while: the runner's announced sleep is withdrawn, so
     * input wakes the caller only (see {@link Waiter}). No effect on pipes without doorbells.
     */
    default void withdrawRunner() {}

    /**
     * For a runner that sleeps while a caller drives the pipe (it stands aside): registers the runner's doorbell in
     * {@code waits} without announcing a sleep, so that the caller, when it stops, can announce one for it
     * ({@link #prepareToSleep} as the {@link Waiter#RUNNER}) and input then wakes it. False for a pipe without
     * doorbells: its runner must be woken instead.
     */
    default boolean watchRunnerBell(WaitSet waits) {
        return false;
    }

    /**
     * After a sleep on a doorbell {@link #watchRunnerBell watched} unannounced: reads it empty. A ring the runner woke
     * to is consumed here (the runner, awake now, or the caller reads its input), not left readable to end every later
     * sleep at once while the caller still drives.
     */
    default void unwatchRunnerBell() {}

    /**
     * A hint for a driver that polls many pipes in every cycle: false when a {@link #poll} now would surely find
     * nothing and cost a system call (a socket that was not readable when last looked at). True by default.
     */
    default boolean mayHaveInput() {
        return true;
    }

    /**
     * When this pipe last knew it held no input ({@link System#nanoTime()} scale): a {@link #poll} that found nothing,
     * or a sleep its descriptor was registered in and not ready when it ended. A driver that skips polls while
     * {@link #mayHaveInput()} is false and reads anyway at an interval of its own (in case it never sleeps) measures
     * that interval from here, so a driver that sleeps never reads in vain. Now, by default (a pipe that cannot tell).
     */
    default long knownEmptyAt() {
        return System.nanoTime();
    }

    /** Ends sending, stops receiving, wakes every thread waiting on this pipe, and releases it. Idempotent. */
    @Override
    void close();
}
