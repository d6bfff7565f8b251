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
import java.lang.ref.Reference;

/**
 * Every downcall into the kernel, in one place, and all of them through one: glibc's {@code syscall(2)} with the call's
 * number and six {@code long}s. Each method returns the raw result; callers turn a negative one into an
 * {@link ErrnoException} with {@link #check}, which reads the errno this thread's last call captured.
 *
 * <p>Why one function: linking a downcall costs a fresh JVM milliseconds per distinct function shape (85 ms for the
 * first, 5 to 10 for each further one: a stub class and a dozen method handle forms spun at run time, which no
 * ahead-of-time cache keeps), and a session's log-in used some twenty shapes on each side: a fifth of a second before a
 * process could send its first message (issue 18). Every call here has the shape {@code long (long, long x 6)}, linked
 * once per process; the price is a pointer passed as its address, so each method keeps its segments reachable until the
 * call returned ({@link Reference#reachabilityFence}) and takes native segments only. The two glibc functions that are
 * not system calls ({@code strerrorname_np}, {@code strerrordesc_np}) are linked only when an error message is made.
 *
 * <p>errno is captured into a per-thread slot (no allocation per call: futex and sendmsg sit on hot paths). A slot is
 * only read by the thread that made the call, straight after it, so no ordering is needed.
 */
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle CAPTURED_ERRNO =
            CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno")).withInvokeExactBehavior();
    private static final ThreadLocal<MemorySegment> SLOT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    // x86-64 system call numbers (ipc4j supports Linux x86-64, as Flow-IPC does): arch/x86/entry/syscalls/syscall_64.tbl.
    static final long SYS_READ = 0;
    static final long SYS_WRITE = 1;
    static final long SYS_CLOSE = 3;
    static final long SYS_FSTAT = 5;
    static final long SYS_POLL = 7;
    static final long SYS_MMAP = 9;
    static final long SYS_MUNMAP = 11;
    static final long SYS_GETPID = 39;
    static final long SYS_SOCKET = 41;
    static final long SYS_CONNECT = 42;
    static final long SYS_SENDMSG = 46;
    static final long SYS_RECVMSG = 47;
    static final long SYS_SHUTDOWN = 48;
    static final long SYS_BIND = 49;
    static final long SYS_LISTEN = 50;
    static final long SYS_SOCKETPAIR = 53;
    static final long SYS_SETSOCKOPT = 54;
    static final long SYS_GETSOCKOPT = 55;
    static final long SYS_FCNTL = 72;
    static final long SYS_FLOCK = 73;
    static final long SYS_FTRUNCATE = 77;
    static final long SYS_FCHMOD = 91;
    static final long SYS_GETUID = 102;
    static final long SYS_GETGID = 104;
    static final long SYS_FUTEX = 202;
    static final long SYS_EPOLL_WAIT = 232;
    static final long SYS_EPOLL_CTL = 233;
    static final long SYS_OPENAT = 257;
    static final long SYS_UNLINKAT = 263;
    static final long SYS_ACCEPT4 = 288;
    static final long SYS_EVENTFD2 = 290;
    static final long SYS_EPOLL_CREATE1 = 291;
    static final long SYS_RENAMEAT2 = 316;
    static final long SYS_MEMFD_CREATE = 319;
    static final long SYS_PIDFD_OPEN = 434;

    static final int AT_FDCWD = -100;
    static final int RENAME_NOREPLACE = 1;

    /** glibc's {@code long syscall(long number, ...)}: variadic after the number; linked on first use. */
    private static final class Syscall {
        @SuppressWarnings("restricted") // the os layer is where this module's native access is used, and only here
        static final MethodHandle H = LINKER.downcallHandle(symbol("syscall"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(1));

        static {
            // The JDK rewrites a method handle for its own use (spins a class for it, "customizes" it) on the
            // interpreted invocation after CUSTOMIZE_THRESHOLD of them (127 unless set; -1 and 0: the first). With every
            // downcall through this one handle, that fell inside a process's first request (1.5-2 ms of its first
            // round trip, issue 18); it happens here instead, at link time, with a system call that changes nothing.
            int calls = Math.max(Integer.getInteger("java.lang.invoke.MethodHandle.CUSTOMIZE_THRESHOLD", 127), 0) + 1;
            MemorySegment slot = SLOT.get();
            try {
                for (int i = 0; i < calls; i++) {
                    long pid = (long) H.invokeExact(slot, SYS_GETPID, 0L, 0L, 0L, 0L, 0L, 0L);
                }
            } catch (Throwable t) {
                throw unexpected(t);
            }
        }
    }

    private static final class Strerrorname {
        static final MethodHandle H = plain("strerrorname_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final class Strerrordesc {
        static final MethodHandle H = plain("strerrordesc_np", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

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

    /** System call {@code nr}; -1 with errno captured on failure. */
    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) Syscall.H.invokeExact(SLOT.get(), nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long syscall(long nr, long a) {
        return syscall(nr, a, 0, 0, 0, 0, 0);
    }

    static long syscall(long nr, long a, long b) {
        return syscall(nr, a, b, 0, 0, 0, 0);
    }

    static long syscall(long nr, long a, long b, long c) {
        return syscall(nr, a, b, c, 0, 0, 0);
    }

    /**
     * The address the kernel is given for {@code segment}: native memory only (a heap array has no address that stays
     * put); the caller fences the segment's reachability after the call.
     */
    private static long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a system call takes native memory, not " + segment);
        }
        return segment.address();
    }

    static int close(int fd) {
        return (int) syscall(SYS_CLOSE, fd);
    }

    static int ftruncate(int fd, long length) {
        return (int) syscall(SYS_FTRUNCATE, fd, length);
    }

    static int fstat(int fd, MemorySegment stat) {
        try {
            return (int) syscall(SYS_FSTAT, fd, address(stat));
        } finally {
            Reference.reachabilityFence(stat);
        }
    }

    static int fchmod(int fd, int mode) {
        return (int) syscall(SYS_FCHMOD, fd, mode);
    }

    static int fcntl(int fd, int cmd, int arg) {
        return (int) syscall(SYS_FCNTL, fd, cmd, arg);
    }

    /** open(2) relative to the working directory. */
    static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) syscall(SYS_OPENAT, AT_FDCWD, address(path), flags, mode, 0, 0);
        } finally {
            Reference.reachabilityFence(path);
        }
    }

    /** unlink(2) relative to the working directory. */
    static int unlink(MemorySegment path) {
        try {
            return (int) syscall(SYS_UNLINKAT, AT_FDCWD, address(path), 0);
        } finally {
            Reference.reachabilityFence(path);
        }
    }

    static int flock(int fd, int operation) {
        return (int) syscall(SYS_FLOCK, fd, operation);
    }

    static int memfdCreate(MemorySegment name, int flags) {
        try {
            return (int) syscall(SYS_MEMFD_CREATE, address(name), flags);
        } finally {
            Reference.reachabilityFence(name);
        }
    }

    /** Returns the mapping's address, or -1 (MAP_FAILED). */
    static long mmap(long length, int prot, int flags, int fd, long offset) {
        return syscall(SYS_MMAP, 0, length, prot, flags, fd, offset);
    }

    static int munmap(long address, long length) {
        return (int) syscall(SYS_MUNMAP, address, length);
    }

    static int socket(int domain, int type, int protocol) {
        return (int) syscall(SYS_SOCKET, domain, type, protocol);
    }

    static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) syscall(SYS_SOCKETPAIR, domain, type, protocol, address(fds), 0, 0);
        } finally {
            Reference.reachabilityFence(fds);
        }
    }

    static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) syscall(SYS_BIND, fd, address(address), length);
        } finally {
            Reference.reachabilityFence(address);
        }
    }

    /** renameat2(2) relative to the working directory; {@code flags} e.g. {@link #RENAME_NOREPLACE}. */
    static int renameat2(MemorySegment from, MemorySegment to, int flags) {
        try {
            return (int) syscall(SYS_RENAMEAT2, AT_FDCWD, address(from), AT_FDCWD, address(to), flags, 0);
        } finally {
            Reference.reachabilityFence(from);
            Reference.reachabilityFence(to);
        }
    }

    static int listen(int fd, int backlog) {
        return (int) syscall(SYS_LISTEN, fd, backlog);
    }

    static int accept4(int fd, int flags) {
        return (int) syscall(SYS_ACCEPT4, fd, 0, 0, flags, 0, 0);
    }

    static int connect(int fd, MemorySegment address, int length) {
        try {
            return (int) syscall(SYS_CONNECT, fd, address(address), length);
        } finally {
            Reference.reachabilityFence(address);
        }
    }

    static int shutdown(int fd, int how) {
        return (int) syscall(SYS_SHUTDOWN, fd, how);
    }

    static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return syscall(SYS_SENDMSG, fd, address(msghdr), flags);
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return syscall(SYS_RECVMSG, fd, address(msghdr), flags);
        } finally {
            Reference.reachabilityFence(msghdr);
        }
    }

    static int getsockopt(int fd, int level, int option, MemorySegment value, MemorySegment length) {
        try {
            return (int) syscall(SYS_GETSOCKOPT, fd, level, option, address(value), address(length), 0);
        } finally {
            Reference.reachabilityFence(value);
            Reference.reachabilityFence(length);
        }
    }

    static int setsockopt(int fd, int level, int option, MemorySegment value, int length) {
        try {
            return (int) syscall(SYS_SETSOCKOPT, fd, level, option, address(value), length, 0);
        } finally {
            Reference.reachabilityFence(value);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) syscall(SYS_POLL, address(fds), count, timeoutMillis);
        } finally {
            Reference.reachabilityFence(fds);
        }
    }

    static int epollCreate1(int flags) {
        return (int) syscall(SYS_EPOLL_CREATE1, flags);
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) syscall(SYS_EPOLL_CTL, epfd, op, fd, address(event), 0, 0);
        } finally {
            Reference.reachabilityFence(event);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) syscall(SYS_EPOLL_WAIT, epfd, address(events), maxEvents, timeoutMillis, 0, 0);
        } finally {
            Reference.reachabilityFence(events);
        }
    }

    /** eventfd(3): glibc's is eventfd2 with the flags. */
    static int eventfd(int initial, int flags) {
        return (int) syscall(SYS_EVENTFD2, initial, flags);
    }

    static long read(int fd, MemorySegment buffer, long count) {
        try {
            return syscall(SYS_READ, fd, address(buffer), count);
        } finally {
            Reference.reachabilityFence(buffer);
        }
    }

    static long write(int fd, MemorySegment buffer, long count) {
        try {
            return syscall(SYS_WRITE, fd, address(buffer), count);
        } finally {
            Reference.reachabilityFence(buffer);
        }
    }

    static int getuid() {
        return (int) syscall(SYS_GETUID, 0);
    }

    static int getgid() {
        return (int) syscall(SYS_GETGID, 0);
    }

    static MemorySegment strerrorname(int errno) {
        try {
            return (MemorySegment) Strerrorname.H.invokeExact(errno);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static MemorySegment strerrordesc(int errno) {
        try {
            return (MemorySegment) Strerrordesc.H.invokeExact(errno);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    @SuppressWarnings("restricted") // as Syscall above
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
