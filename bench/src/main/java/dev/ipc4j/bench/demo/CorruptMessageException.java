package dev.ipc4j.bench.demo;

/** A response whose root or parts do not match what the server built: the demo's verification failed. */
public final class CorruptMessageException extends Exception {
    private static final long serialVersionUID = 1L;

    public CorruptMessageException(String message) {
        super(message);
    }
}
