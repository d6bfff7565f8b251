package dev.ipc4j.session;

import dev.ipc4j.os.Closing;
import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixSocket;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Which connections may go on logging in. At most {@code max} log-ins are in progress, at most {@code perProcess} of
 * them from one process (by the kernel's word, {@code SO_PEERCRED}). A newcomer beyond either bound is let in and the
 * oldest log-in of its own process (or, beyond the total, the oldest of all) is evicted: its socket is shut down, so
 * its log-in thread sees the end at once and frees its slot. So connections that never log in, however many, cost a
 * bounded number of slots and threads ({@link #awaitRoom}), and a process that is not flooding still gets in: refusing the newest, as
 * before, let a flood hold every slot for the whole handshake time-out.
 *
 * <p>Evictions are not logged one by one (a flood of connections would flood the log too): {@link #report} gives a
 * summary at most once per interval. Thread-safe.
 */
final class LoginAdmission {
    /** One log-in in progress. */
    static final class Pending {
        /**
         * What eviction shuts down: a descriptor of its own on the connection's socket, because the log-in thread soon
         * hands the connection's descriptor over to its channel, after which the connection's own {@code UnixSocket}
         * is empty and shutting it down did nothing (the evicted thread then waited out its whole handshake time-out,
         * and a flood held every slot for that long). Closed when the log-in is done; the connection's own object if
         * no descriptor could be had (then eviction works only until the hand-over).
         */
        final UnixSocket socket;
        private final boolean ownDescriptor;
        final long pid;
        private volatile boolean evicted;

        private Pending(UnixSocket socket, boolean ownDescriptor, long pid) {
            this.socket = socket;
            this.ownDescriptor = ownDescriptor;
            this.pid = pid;
        }

        /** Whether admission ended this log-in (then its failure is part of a summary, not a line of its own). */
        boolean evicted() {
            return evicted;
        }
    }

    private final int max;
    private final int perProcess;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(); // oldest first
    private long evictedSinceReport;
    private long lastEvictedPid = -1;

    LoginAdmission(int max, int perProcess) {
        if (max < 1 || perProcess < 1) {
            throw new IllegalArgumentException("bounds must be positive: " + max + ", " + perProcess);
        }
        this.max = max;
        this.perProcess = perProcess;
    }

    /** Lets {@code socket} of process {@code pid} log in, evicting as the bounds say; {@link #done} must follow. */
    Pending admit(UnixSocket socket, long pid) {
        Fd dup;
        try {
            dup = socket.fd().dup();
        } catch (ErrnoException e) { // out of descriptors, or the connection is gone: evict through its own object
            return admit(new Pending(socket, false, pid));
        }
        try {
            return admit(new Pending(UnixSocket.adopt(dup, "log-in socket of pid " + pid), true, pid));
        } catch (ErrnoException e) { // fstat of a descriptor we just made failed: not ours to keep
            Closing.quietly(dup);
            return admit(new Pending(socket, false, pid));
        }
    }

    private synchronized Pending admit(Pending newcomer) {
        long pid = newcomer.pid;
        int fromSame = 0;
        Pending oldestOfSame = null;
        for (Pending p : pending) {
            if (p.pid == pid && !p.evicted) {
                fromSame++;
                if (oldestOfSame == null) {
                    oldestOfSame = p;
                }
            }
        }
        if (fromSame >= perProcess) {
            evict(oldestOfSame);
        } else if (live() >= max) {
            for (Pending p : pending) {
                if (!p.evicted) {
                    evict(p);
                    break;
                }
            }
        }
        pending.addLast(newcomer);
        return newcomer;
    }

    /** The log-in ended (in a session, a refusal or a failure): its slot is free. */
    synchronized void done(Pending p) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            if (it.next() == p) {
                it.remove();
                if (p.ownDescriptor) {
                    // Not close(): that shuts the connection down, and a log-in that succeeded goes on using it.
                    Closing.quietly(p.socket::closeDescriptor);
                }
                notifyAll();
                return;
            }
        }
    }

    /**
     * Waits up to {@code millis} until fewer than twice {@code max} log-ins (evicted ones whose threads have not yet
     * left included) are pending; true when so. The acceptor asks before each accept, which bounds the log-in threads
     * of a flood, not only the slots.
     */
    synchronized boolean awaitRoom(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (pending.size() >= 2 * max) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /** Log-ins in progress and not yet evicted. */
    synchronized int live() {
        int n = 0;
        for (Pending p : pending) {
            if (!p.evicted) {
                n++;
            }
        }
        return n;
    }

    /** Evictions since the last report, and the process of the last one; resets the count. Null when none. */
    synchronized String report() {
        if (evictedSinceReport == 0) {
            return null;
        }
        String s = evictedSinceReport + " connection(s) that had not logged in were evicted to make room (the last from pid "
                + lastEvictedPid + "): a process opening connections it does not log in on?";
        evictedSinceReport = 0;
        return s;
    }

    private void evict(Pending p) {
        p.evicted = true;
        evictedSinceReport++;
        lastEvictedPid = p.pid;
        Closing.quietly(p.socket::shutdown); // wakes its log-in thread, which closes it and calls done
    }
}
