package dev.ipc4j.transport;

/**
 * Who sleeps on a pipe's input, for {@link BlobPipe#prepareToSleep(WaitSet, Waiter)}. A ring has one doorbell for
 * each, and its producer rings only the one whose owner announced itself last: a thread blocked in a request that
 * drives a channel is woken by the response without waking the runner that usually drives the channel too.
 */
public enum Waiter {
    /** The thread that usually drives the pipe (a {@link Runner}'s, or a receiver's). */
    RUNNER,
    /** A caller that drives the pipe for a while (e.g. waiting for its response) while the runner stands aside. */
    CALLER
}
