package dev.ipc4j.transport;

/** How a blocking receive ended. */
public enum Receipt {
    /** A message was handed to the handler. */
    MESSAGE,
    /** Nothing arrived within the timeout. */
    TIMED_OUT,
    /** The peer ended sending gracefully and every message it sent has been received. */
    ENDED
}
