package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.PidFd;

/**
 * Whether the peer process still lives, asked cheaply often: a spinning waiter looks at most once per
 * {@link #SPIN_CHECK_NANOS}, a waiter back from parking on this pipe looks every time, and a runner back from a sleep
 * that something else ended looks when {@link #checkDue} says so. A pidfd cannot be fooled by pid reuse.
 * A layer above (the session's keep-alive) may also {@linkplain #declareGone declare} the peer gone while its process
 * still exists, e.g. when it hangs: from then on it counts as gone.
 */
final class PeerWatch implements AutoCloseable {
    private static final long SPIN_CHECK_NANOS = 1_000_000;
    /**
     * How often a pipe whose doorbell did not end its runner's sleep looks at the pidfd: a runner with many pipes is
     * woken by one at a time, and a system call per quiet pipe per wake-up would make every wake-up cost O(pipes).
     */
    static final long AFTER_SLEEP_CHECK_NANOS = 10_000_000;

    private final PidFd pidfd;
    private volatile PeerGoneException declared;
    private long lastCheck;
    private int spinsSinceCheck;

    PeerWatch(PidFd pidfd) {
        this.pidfd = pidfd;
    }

    long pid() {
        return pidfd.pid();
    }

    /** The pidfd, readable once the peer has exited (a sleeping driver registers it). */
    dev.ipc4j.os.Fd pidFd() {
        return pidfd.fd();
    }

    /** True when the peer has exited; {@code force} skips the throttle. */
    boolean gone(boolean force) throws ErrnoException {
        if (declared != null) {
            return true;
        }
        if (!force) {
            if ((++spinsSinceCheck & 1023) != 0) {
                return false;
            }
            long now = System.nanoTime();
            if (now - lastCheck < SPIN_CHECK_NANOS) {
                return false;
            }
        }
        lastCheck = System.nanoTime();
        return pidfd.hasExited();
    }

    /** Whether the last look at the pidfd is {@link #AFTER_SLEEP_CHECK_NANOS} old or more. */
    boolean checkDue() {
        return System.nanoTime() - lastCheck >= AFTER_SLEEP_CHECK_NANOS;
    }

    /** From now on the peer counts as gone, for the reason {@code cause} gives. */
    void declareGone(PeerGoneException cause) {
        if (declared == null) {
            declared = cause;
        }
    }

    /** The exception to throw now that {@link #gone} said true: the declared reason, or {@code otherwise}. */
    PeerGoneException goneException(String otherwise) {
        PeerGoneException d = declared;
        return d != null ? new PeerGoneException(d.getMessage(), d) : new PeerGoneException(otherwise);
    }

    /** Throws when the peer was declared gone; cheap (one volatile read), so senders may ask every time. */
    void ensureNotDeclaredGone() throws PeerGoneException {
        PeerGoneException d = declared;
        if (d != null) {
            throw new PeerGoneException(d.getMessage(), d);
        }
    }

    @Override
    public void close() throws ErrnoException {
        pidfd.close();
    }
}
