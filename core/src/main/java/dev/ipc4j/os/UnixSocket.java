package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A connected Unix domain stream socket that can carry file descriptors with its bytes ({@code SCM_RIGHTS}) and tells
 * who the peer is ({@code SO_PEERCRED}, {@code SO_PEERPIDFD}).
 *
 * <p>Sends and receives are single system calls and may move fewer bytes than asked (it is a stream); framing is the
 * transport layer's job. Descriptors ride on the first byte of a send and arrive with the receive that reads that
 * byte. Neither call allocates: the message header lives in a per-thread scratch area.
 *
 * <pre>
 * scratch (per thread):
 *   offset   0  struct msghdr (56): name 0 | namelen 8 | iov 16 | iovlen 24 | control 32 | controllen 40 | flags 48
 *   offset  56  struct iovec  (16): base 0 | len 8
 *   offset  72  control buffer (CMSG_SPACE(4 * MAX_FDS)):
 *               struct cmsghdr: len u64 0 | level i32 8 | type i32 12 | data (int fds) 16
 * </pre>
 */
public final class UnixSocket implements AutoCloseable {
    /** The most descriptors one send may carry. */
    public static final int MAX_FDS = 64;

    static final int SOCK_STREAM = 1;
    static final int SOCK_SEQPACKET = 5;
    static final int SOCK_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUF = 8;
    private static final int SO_PEERCRED = 17;
    private static final int SO_RCVTIMEO = 20;
    private static final int SO_PEERPIDFD = 77;
    private static final int MSG_CTRUNC = 0x8;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_CMSG_CLOEXEC = 0x40000000;
    private static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;

    private static final long MSG_IOV = 16;
    private static final long MSG_IOVLEN = 24;
    private static final long MSG_CONTROL = 32;
    private static final long MSG_CONTROLLEN = 40;
    private static final long MSG_FLAGS = 48;
    private static final long IOV = 56;
    private static final long CONTROL = 72;
    private static final long CMSG_LEN = 0;
    private static final long CMSG_LEVEL = 8;
    private static final long CMSG_TYPE = 12;
    private static final long CMSG_DATA = 16;
    private static final long CONTROL_SIZE = CMSG_DATA + 4L * MAX_FDS;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CONTROL + CONTROL_SIZE, 8));

    private final Fd fd;
    private final String description;

    UnixSocket(Fd fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /**
     * Takes ownership of a descriptor that is a connected Unix stream socket (e.g. one that arrived over another
     * socket); it is checked to be a socket, so a descriptor of another kind is refused here, not misused later.
     */
    public static UnixSocket adopt(Fd fd, String description) throws ErrnoException {
        FileStat stat = fd.stat();
        if ((stat.mode() & 0170000) != 0140000) {
            throw new ErrnoException("adopt " + description + " (not a socket)", Errno.ENOTSOCK);
        }
        return new UnixSocket(fd, description);
    }

    /** Connects to a listening socket; ENOENT when the path does not exist, ECONNREFUSED when nobody listens. */
    public static UnixSocket connect(UnixAddress address) throws ErrnoException {
        Fd fd = Fd.adopt(Libc.check(Libc.socket(UnixAddress.AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)"));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = address.encode(arena);
            while (Libc.connect(fd.get(), sockaddr, (int) sockaddr.byteSize()) < 0) {
                int errno = Libc.errno();
                if (errno != Errno.EINTR) {
                    throw new ErrnoException("connect(" + address + ")", errno);
                }
            }
            return new UnixSocket(fd, "UnixSocket[" + address + "]");
        } catch (ErrnoException | RuntimeException e) {
            Closing.quietly(fd, e);
            throw e;
        }
    }

    /** Two stream sockets connected to each other. */
    public static UnixSocket[] pair() throws ErrnoException {
        return pair(SOCK_STREAM);
    }

    /**
     * Two record sockets (SOCK_SEQPACKET) connected to each other: each receive returns exactly one send's bytes and
     * descriptors, so records never merge or split.
     */
    public static UnixSocket[] recordPair() throws ErrnoException {
        return pair(SOCK_SEQPACKET);
    }

    private static UnixSocket[] pair(int type) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            Libc.check(Libc.socketpair(UnixAddress.AF_UNIX, type | SOCK_CLOEXEC, 0, fds), "socketpair(AF_UNIX)");
            return new UnixSocket[] {
                new UnixSocket(Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 0)), "UnixSocket[pair]"),
                new UnixSocket(Fd.adopt(fds.getAtIndex(ValueLayout.JAVA_INT, 1)), "UnixSocket[pair]")
            };
        }
    }

    /**
     * Sends up to {@code data.byteSize()} bytes from native memory, with {@code fds} attached (they stay open here;
     * the peer gets its own copies). Returns how many bytes went; at least one unless {@code data} is empty, which
     * sends the descriptors alone only when there are some. Fails with EPIPE once the peer has closed.
     */
    public long send(MemorySegment data, Fd... fds) throws ErrnoException {
        return send(data, false, fds);
    }

    /**
     * As {@link #send(MemorySegment, Fd...)}; with {@code nonBlocking}, returns 0 instead of waiting when the socket
     * buffer is full (nothing was sent then, descriptors included).
     */
    public long send(MemorySegment data, boolean nonBlocking, Fd... fds) throws ErrnoException {
        return send(data, 0, data.byteSize(), nonBlocking, fds);
    }

    /** As {@link #send(MemorySegment, boolean, Fd...)} for {@code length} bytes of {@code data} from {@code offset}. */
    public long send(MemorySegment data, long offset, long length, boolean nonBlocking, Fd... fds) throws ErrnoException {
        if (!data.isNative()) {
            throw new IllegalArgumentException("send needs native memory (a heap segment has no stable address)");
        }
        java.util.Objects.checkFromIndexSize(offset, length, data.byteSize());
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per send, not " + fds.length);
        }
        if (length == 0 && fds.length > 0) {
            throw new IllegalArgumentException("descriptors must ride on at least one byte");
        }
        MemorySegment s = SCRATCH.get();
        s.set(ValueLayout.JAVA_LONG, 0, 0L);
        s.set(ValueLayout.JAVA_LONG, 8, 0L);
        s.set(ValueLayout.JAVA_LONG, MSG_FLAGS, 0L);
        s.set(ValueLayout.JAVA_LONG, IOV, data.address() + offset);
        s.set(ValueLayout.JAVA_LONG, IOV + 8, length);
        s.set(ValueLayout.JAVA_LONG, MSG_IOV, s.address() + IOV);
        s.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
        s.set(ValueLayout.JAVA_LONG, MSG_CONTROL, 0L);
        s.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, 0L);
        if (fds.length > 0) {
            long cmsgLen = CMSG_DATA + 4L * fds.length;
            s.set(ValueLayout.JAVA_LONG, CONTROL + CMSG_LEN, cmsgLen);
            s.set(ValueLayout.JAVA_INT, CONTROL + CMSG_LEVEL, SOL_SOCKET);
            s.set(ValueLayout.JAVA_INT, CONTROL + CMSG_TYPE, SCM_RIGHTS);
            for (int i = 0; i < fds.length; i++) {
                s.set(ValueLayout.JAVA_INT, CONTROL + CMSG_DATA + 4L * i, fds[i].get());
            }
            s.set(ValueLayout.JAVA_LONG, MSG_CONTROL, s.address() + CONTROL);
            s.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, align8(cmsgLen));
        }
        while (true) {
            long sent = Libc.sendmsg(fd.get(), s, MSG_NOSIGNAL | (nonBlocking ? MSG_DONTWAIT : 0));
            if (sent >= 0) {
                return sent;
            }
            int errno = Libc.errno();
            if (nonBlocking && errno == Errno.EAGAIN) {
                return 0;
            }
            if (errno != Errno.EINTR) {
                throw new ErrnoException("sendmsg(" + description + ")", errno);
            }
        }
    }

    /** Sends all of {@code data}, descriptors with the first byte; blocks while the socket buffer is full. */
    public void sendFully(MemorySegment data, Fd... fds) throws ErrnoException {
        long done = send(data, fds);
        while (done < data.byteSize()) {
            done += send(data.asSlice(done));
        }
    }

    /**
     * Receives up to {@code buffer.byteSize()} bytes into native memory, blocking until at least one arrives. Received
     * descriptors are added to {@code fdsOut}, owned by the caller. Returns 0 at end of stream.
     *
     * @throws ErrnoException ECONNRESET when the peer vanished, EMFILE/ETOOMANYREFS-like truncation (reported as
     *     EMFILE) when descriptors could not all be received; any partial descriptors are closed first
     */
    public long receive(MemorySegment buffer, List<Fd> fdsOut) throws ErrnoException {
        return receive(buffer, fdsOut, false);
    }

    /**
     * As {@link #receive(MemorySegment, List)}; with {@code nonBlocking}, returns -1 instead of waiting for data, and
     * a blocking receive returns -1 too when the {@linkplain #setReceiveTimeout receive timeout} passes.
     */
    public long receive(MemorySegment buffer, List<Fd> fdsOut, boolean nonBlocking) throws ErrnoException {
        return receive(buffer, 0, buffer.byteSize(), fdsOut, nonBlocking);
    }

    /** As {@link #receive(MemorySegment, List, boolean)} into {@code length} bytes of {@code buffer} from {@code offset}. */
    public long receive(MemorySegment buffer, long offset, long length, List<Fd> fdsOut, boolean nonBlocking) throws ErrnoException {
        if (!buffer.isNative() || buffer.isReadOnly()) {
            throw new IllegalArgumentException("receive needs writable native memory");
        }
        java.util.Objects.checkFromIndexSize(offset, length, buffer.byteSize());
        MemorySegment s = SCRATCH.get();
        s.set(ValueLayout.JAVA_LONG, 0, 0L);
        s.set(ValueLayout.JAVA_LONG, 8, 0L);
        s.set(ValueLayout.JAVA_LONG, MSG_FLAGS, 0L);
        s.set(ValueLayout.JAVA_LONG, IOV, buffer.address() + offset);
        s.set(ValueLayout.JAVA_LONG, IOV + 8, length);
        s.set(ValueLayout.JAVA_LONG, MSG_IOV, s.address() + IOV);
        s.set(ValueLayout.JAVA_LONG, MSG_IOVLEN, 1);
        s.set(ValueLayout.JAVA_LONG, MSG_CONTROL, s.address() + CONTROL);
        s.set(ValueLayout.JAVA_LONG, MSG_CONTROLLEN, CONTROL_SIZE);
        long received;
        while ((received = Libc.recvmsg(fd.get(), s, MSG_CMSG_CLOEXEC | (nonBlocking ? MSG_DONTWAIT : 0))) < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EAGAIN) { // nothing there (non-blocking), or the receive timeout passed (blocking)
                return -1;
            }
            if (errno != Errno.EINTR) {
                throw new ErrnoException("recvmsg(" + description + ")", errno);
            }
        }
        int before = fdsOut.size();
        long controlLength = s.get(ValueLayout.JAVA_LONG, MSG_CONTROLLEN);
        for (long at = 0; at + CMSG_DATA <= controlLength; ) {
            long len = s.get(ValueLayout.JAVA_LONG, CONTROL + at + CMSG_LEN);
            if (len < CMSG_DATA || at + len > controlLength) {
                break;
            }
            if (s.get(ValueLayout.JAVA_INT, CONTROL + at + CMSG_LEVEL) == SOL_SOCKET
                    && s.get(ValueLayout.JAVA_INT, CONTROL + at + CMSG_TYPE) == SCM_RIGHTS) {
                for (long i = CMSG_DATA; i + 4 <= len; i += 4) {
                    fdsOut.add(Fd.adopt(s.get(ValueLayout.JAVA_INT, CONTROL + at + i)));
                }
            }
            at += align8(len);
        }
        if ((s.get(ValueLayout.JAVA_INT, MSG_FLAGS) & MSG_CTRUNC) != 0) {
            ErrnoException e = new ErrnoException("recvmsg(" + description + "): descriptors truncated", Errno.EMFILE);
            while (fdsOut.size() > before) {
                Closing.quietly(fdsOut.removeLast(), e);
            }
            throw e;
        }
        return received;
    }

    /** Who the peer is, as the kernel saw it when the connection was made. */
    public PeerCredentials peerCredentials() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ucred = arena.allocate(PeerCredentials.SIZE, 4);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, (int) PeerCredentials.SIZE);
            Libc.check(Libc.getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, ucred, length), "getsockopt(SO_PEERCRED, " + description + ")");
            return new PeerCredentials(ucred.get(ValueLayout.JAVA_INT, PeerCredentials.PID),
                    ucred.get(ValueLayout.JAVA_INT, PeerCredentials.UID), ucred.get(ValueLayout.JAVA_INT, PeerCredentials.GID));
        }
    }

    /**
     * A pidfd of the peer process taken by the kernel at connect time (Linux 6.5+), so it cannot name a process that
     * reused the pid. Fails with ENOPROTOOPT on older kernels; use {@link PidFd#open} with {@link #peerCredentials()}.
     */
    public PidFd peerPidFd() throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            long pid = peerCredentials().pid();
            Libc.check(Libc.getsockopt(fd.get(), SOL_SOCKET, SO_PEERPIDFD, value, length), "getsockopt(SO_PEERPIDFD, " + description + ")");
            return new PidFd(Fd.adopt(value.get(ValueLayout.JAVA_INT, 0)), pid);
        }
    }

    /**
     * Asks for kernel buffers of {@code bytes} each way (SO_SNDBUF, SO_RCVBUF); the kernel caps the request at
     * net.core.wmem_max/rmem_max. Returns what the send side got (the kernel doubles it for its bookkeeping).
     */
    public int setBufferSizes(int bytes) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, bytes);
            Libc.check(Libc.setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, value, 4), "setsockopt(SO_SNDBUF, " + description + ")");
            Libc.check(Libc.setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, value, 4), "setsockopt(SO_RCVBUF, " + description + ")");
            MemorySegment length = arena.allocateFrom(ValueLayout.JAVA_INT, 4);
            Libc.check(Libc.getsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, value, length), "getsockopt(SO_SNDBUF, " + description + ")");
            return value.get(ValueLayout.JAVA_INT, 0);
        }
    }

    /** Bounds every blocking receive (SO_RCVTIMEO): it returns -1 after {@code timeout} without data. */
    public void setReceiveTimeout(java.time.Duration timeout) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(16, 8); // struct timeval: tv_sec i64 | tv_usec i64
            timeval.set(ValueLayout.JAVA_LONG, 0, timeout.toSeconds());
            timeval.set(ValueLayout.JAVA_LONG, 8, timeout.toNanosPart() / 1000);
            Libc.check(Libc.setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, timeval, 16), "setsockopt(SO_RCVTIMEO, " + description + ")");
        }
    }

    /** Wakes every thread blocked on this socket (they see end of stream or an error); the descriptor stays open. */
    public void shutdown() throws ErrnoException {
        if (Libc.shutdown(fd.get(), SHUT_RDWR) < 0 && Libc.errno() != Errno.ENOTCONN) {
            throw new ErrnoException("shutdown(SHUT_RDWR, " + description + ")", Libc.errno());
        }
    }

    /** Half-close: the peer reads end-of-stream after everything sent so far; this side can still receive. */
    public void shutdownOutput() throws ErrnoException {
        Libc.check(Libc.shutdown(fd.get(), SHUT_WR), "shutdown(SHUT_WR, " + description + ")");
    }

    /** The descriptor, for polling. */
    public Fd fd() {
        return fd;
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    /** Wakes any thread blocked on this socket (it sees end-of-stream or an error), then closes; idempotent. */
    @Override
    public synchronized void close() throws ErrnoException {
        if (fd.isOpen()) {
            Libc.shutdown(fd.get(), SHUT_RDWR); // ENOTCONN when the peer is gone already: nothing to wake then
            fd.close();
        }
    }

    /**
     * Closes this process's descriptor without shutting the connection down: for a socket whose other copy now
     * belongs to another process (passed over SCM_RIGHTS), which must go on using it. Idempotent.
     */
    public synchronized void closeDescriptor() throws ErrnoException {
        if (fd.isOpen()) {
            fd.close();
        }
    }

    @Override
    public String toString() {
        return description;
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }
}
