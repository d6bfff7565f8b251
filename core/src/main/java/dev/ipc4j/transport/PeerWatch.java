package dev.ipc4j.transport;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.PidFd;

/**
 * Whether the peer process still lives, asked cheaply often: a spinning waiter looks at most once per
 * {@link #SPIN_CHECK_NANOS}, a waiter back from parking looks every time. A pidfd cannot be fooled by pid reuse.
 */
final class PeerWatch implements AutoCloseable {
    private static final long SPIN_CHECK_NANOS = 1_000_000;

    private final PidFd pidfd;
    private long lastCheck;
    private int spinsSinceCheck;

    PeerWatch(PidFd pidfd) {
        this.pidfd = pidfd;
    }

    long pid() {
        return pidfd.pid();
    }

    /** True when the peer has exited; {@code force} skips the throttle. */
    boolean gone(boolean force) throws ErrnoException {
        if (!force) {
            if ((++spinsSinceCheck & 1023) != 0) {
                return false;
            }
            long now = System.nanoTime();
            if (now - lastCheck < SPIN_CHECK_NANOS) {
                return false;
            }
            lastCheck = now;
        }
        return pidfd.hasExited();
    }

    @Override
    public void close() throws ErrnoException {
        pidfd.close();
    }
}
