package dev.ipc4j.os;

import java.time.Duration;

/**
 * A handle on a process ({@code pidfd_open(2)}): it becomes readable when the process exits, and, unlike a pid, it can
 * never come to mean another process that reused the number.
 */
public final class PidFd implements AutoCloseable {
    private final Fd fd;
    private final long pid;

    PidFd(Fd fd, long pid) {
        this.fd = fd;
        this.pid = pid;
    }

    /**
     * Takes ownership of {@code fd}, which the caller vouches is a pidfd of process {@code pid} (e.g. one this process
     * opened and handed on as a plain descriptor).
     */
    public static PidFd adopt(Fd fd, long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a pid: " + pid);
        }
        return new PidFd(fd, pid);
    }

    /** Opens a handle on a running process; fails with ESRCH when there is none with that pid. */
    public static PidFd open(long pid) throws ErrnoException {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("not a pid: " + pid);
        }
        long r = Libc.check(Libc.syscall(Libc.SYS_PIDFD_OPEN, pid, 0), "pidfd_open(" + pid + ")");
        return new PidFd(Fd.adopt((int) r), pid);
    }

    /** A second handle on the same process, closed independently of this one. */
    public PidFd dup() throws ErrnoException {
        return new PidFd(fd.dup(), pid);
    }

    public long pid() {
        return pid;
    }

    /** The descriptor, for callers that poll several at once. */
    public Fd fd() {
        return fd;
    }

    /** Whether the process has exited (without waiting). */
    public boolean hasExited() throws ErrnoException {
        return Poll.readable(fd, 0);
    }

    /** Waits up to {@code timeout} for the process to exit; true if it has. */
    public boolean awaitExit(Duration timeout) throws ErrnoException {
        return Poll.readable(fd, Poll.millis(timeout));
    }

    @Override
    public void close() throws ErrnoException {
        fd.close();
    }

    @Override
    public String toString() {
        return "PidFd[pid " + pid + ", " + fd + "]";
    }
}
