package dev.ipc4j.os;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Every downcall into glibc, in one place. Each method returns the raw result; callers turn a negative one into an
 * {@link ErrnoException} with {@link #check}, which reads the errno this thread's last call captured.
 *
 * <p>errno is captured into a per-thread slot (no allocation per call: futex and sendmsg sit on hot paths). A slot is
 * only read by the thread that made the call, straight after it, so no ordering is needed.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle CAPTURED_ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final ThreadLocal<MemorySegment> SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    // x86-64 system call numbers (ipc4j supports Linux x86-64, as Flow-IPC does).
    static final long SYS_FUTEX = 202;
    static final long SYS_PIDFD_OPEN = 434;

    private static final MethodHandle CLOSE = errno("close", JAVA_INT, JAVA_INT);
    private static final MethodHandle FTRUNCATE = errno("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle FSTAT = errno("fstat", JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle FCHMOD = errno("fchmod", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle FCNTL = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle OPEN = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle FLOCK = errno("flock", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle MEMFD_CREATE = errno("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SHM_OPEN = errno("shm_open", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle SHM_UNLINK = errno("shm_unlink", JAVA_INT, ADDRESS);
    private static final MethodHandle MMAP =
            errno("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    private static final MethodHandle MUNMAP = errno("munmap", JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle SYSCALL6 = errno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    private static final MethodHandle SYSCALL2 =
            errno("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    private static final MethodHandle SOCKET = errno("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle SOCKETPAIR = errno("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle BIND = errno("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle LISTEN = errno("listen", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle RENAMEAT2 = errno("renameat2", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle ACCEPT4 = errno("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    private static final MethodHandle CONNECT = errno("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle SHUTDOWN = errno("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle SENDMSG = errno("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle RECVMSG = errno("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle GETSOCKOPT =
            errno("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle SETSOCKOPT =
            errno("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    private static final MethodHandle POLL = errno("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle EPOLL_CREATE1 = errno("epoll_create1", JAVA_INT, JAVA_INT);
    private static final MethodHandle EPOLL_CTL = errno("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    private static final MethodHandle EPOLL_WAIT = errno("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle EVENTFD = errno("eventfd", JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle READ = errno("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle WRITE = errno("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    private static final MethodHandle GETUID = plain("getuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETGID = plain("getgid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERRORNAME = plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle STRERRORDESC = plain("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Libc() {}

    /** Throws the captured errno as an exception naming {@code call} when {@code result} is negative. */
    static int check(int result, String call) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, errno());
        }
        return result;
    }

    static long check(long result, String call) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(call, errno());
        }
        return result;
    }

    /** The errno captured by this thread's last downcall. */
    static int errno() {
        return (int) CAPTURED_ERRNO.get(SLOT.get(), 0L);
    }

    static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(SLOT.get(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int ftruncate(int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(SLOT.get(), fd, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fstat(int fd, MemorySegment stat) {
        try {
            return (int) FSTAT.invokeExact(SLOT.get(), fd, stat);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fchmod(int fd, int mode) {
        try {
            return (int) FCHMOD.invokeExact(SLOT.get(), fd, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) FCNTL.invokeExact(SLOT.get(), fd, cmd, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) OPEN.invokeExact(SLOT.get(), path, flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int flock(int fd, int operation) {
        try {
            return (int) FLOCK.invokeExact(SLOT.get(), fd, operation);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int memfdCreate(MemorySegment name, int flags) {
        try {
            return (int) MEMFD_CREATE.invokeExact(SLOT.get(), name, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shmOpen(MemorySegment name, int flags, int mode) {
        try {
            return (int) SHM_OPEN.invokeExact(SLOT.get(), name, flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shmUnlink(MemorySegment name) {
        try {
            return (int) SHM_UNLINK.invokeExact(SLOT.get(), name);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Returns the mapping's address, or -1 (MAP_FAILED). */
    static long mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment m = (MemorySegment) MMAP.invokeExact(SLOT.get(), MemorySegment.NULL, length, prot, flags, fd, offset);
            return m.address();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int munmap(long address, long length) {
        try {
            return (int) MUNMAP.invokeExact(SLOT.get(), MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) SYSCALL6.invokeExact(SLOT.get(), nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long syscall(long nr, long a, long b) {
        try {
            return (long) SYSCALL2.invokeExact(SLOT.get(), nr, a, b);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(SLOT.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) SOCKETPAIR.invokeExact(SLOT.get(), domain, type, protocol, fds);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(SLOT.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static final int AT_FDCWD = -100;
    static final int RENAME_NOREPLACE = 1;

    /** renameat2(2) relative to the working directory; {@code flags} e.g. {@link #RENAME_NOREPLACE}. */
    static int renameat2(MemorySegment from, MemorySegment to, int flags) {
        try {
            return (int) RENAMEAT2.invokeExact(SLOT.get(), AT_FDCWD, from, AT_FDCWD, to, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int listen(int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(SLOT.get(), fd, backlog);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int accept4(int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(SLOT.get(), fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int connect(int fd, MemorySegment address, int length) {
        try {
            return (int) CONNECT.invokeExact(SLOT.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shutdown(int fd, int how) {
        try {
            return (int) SHUTDOWN.invokeExact(SLOT.get(), fd, how);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) SENDMSG.invokeExact(SLOT.get(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) RECVMSG.invokeExact(SLOT.get(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getsockopt(int fd, int level, int option, MemorySegment value, MemorySegment length) {
        try {
            return (int) GETSOCKOPT.invokeExact(SLOT.get(), fd, level, option, value, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int setsockopt(int fd, int level, int option, MemorySegment value, int length) {
        try {
            return (int) SETSOCKOPT.invokeExact(SLOT.get(), fd, level, option, value, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(SLOT.get(), fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollCreate1(int flags) {
        try {
            return (int) EPOLL_CREATE1.invokeExact(SLOT.get(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(SLOT.get(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(SLOT.get(), epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int eventfd(int initial, int flags) {
        try {
            return (int) EVENTFD.invokeExact(SLOT.get(), initial, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) READ.invokeExact(SLOT.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) WRITE.invokeExact(SLOT.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getuid() {
        try {
            return (int) GETUID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getgid() {
        try {
            return (int) GETGID.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static MemorySegment strerrorname(int errno) {
        try {
            return (MemorySegment) STRERRORNAME.invokeExact(errno);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static MemorySegment strerrordesc(int errno) {
        try {
            return (MemorySegment) STRERRORDESC.invokeExact(errno);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static MethodHandle errno(String name, MemoryLayout result, MemoryLayout... args) {
        return errno(name, FunctionDescriptor.of(result, args), -1);
    }

    @SuppressWarnings("restricted") // the os layer is where this module's native access is used, and only here
    private static MethodHandle errno(String name, FunctionDescriptor descriptor, int firstVariadic) {
        Linker.Option[] options = firstVariadic < 0
                ? new Linker.Option[] {ERRNO}
                : new Linker.Option[] {ERRNO, Linker.Option.firstVariadicArg(firstVariadic)};
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    @SuppressWarnings("restricted") // as errno(...) above
    private static MethodHandle plain(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(symbol(name), descriptor);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("glibc has no " + name + " (ipc4j needs glibc >= 2.34 on Linux)"));
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall failed", t);
    }
}
