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

    // Each downcall is linked on first use, in a holder class of its own: linking costs a fresh JVM milliseconds per
    // function (85 ms for the first), and a process uses few of them before its first round trip (issue 18).

    // x86-64 system call numbers (ipc4j supports Linux x86-64, as Flow-IPC does).
    static final long SYS_FUTEX = 202;
    static final long SYS_PIDFD_OPEN = 434;

    private static final class Close { static final MethodHandle H = errno("close", JAVA_INT, JAVA_INT); }
    private static final class Ftruncate {
        static final MethodHandle H = errno("ftruncate", JAVA_INT, JAVA_INT, JAVA_LONG);
    }
    private static final class Fstat { static final MethodHandle H = errno("fstat", JAVA_INT, JAVA_INT, ADDRESS); }
    private static final class Fchmod { static final MethodHandle H = errno("fchmod", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Fcntl {
        static final MethodHandle H = errno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);
    }
    private static final class Open {
        static final MethodHandle H = errno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    }
    private static final class Flock { static final MethodHandle H = errno("flock", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class MemfdCreate {
        static final MethodHandle H = errno("memfd_create", JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class ShmOpen {
        static final MethodHandle H = errno("shm_open", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    }
    private static final class ShmUnlink { static final MethodHandle H = errno("shm_unlink", JAVA_INT, ADDRESS); }
    private static final class Mmap {
        static final MethodHandle H = errno("mmap", ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG);
    }
    private static final class Munmap { static final MethodHandle H = errno("munmap", JAVA_INT, ADDRESS, JAVA_LONG); }
    private static final class Syscall6 {
        static final MethodHandle H = errno("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }
    private static final class Syscall2 {
        static final MethodHandle H = errno("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    }
    private static final class Socket {
        static final MethodHandle H = errno("socket", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
    }
    private static final class Socketpair {
        static final MethodHandle H = errno("socketpair", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    }
    private static final class Bind {
        static final MethodHandle H = errno("bind", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Listen { static final MethodHandle H = errno("listen", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Renameat2 {
        static final MethodHandle H = errno("renameat2", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Accept4 {
        static final MethodHandle H = errno("accept4", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
    }
    private static final class Connect {
        static final MethodHandle H = errno("connect", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Shutdown {
        static final MethodHandle H = errno("shutdown", JAVA_INT, JAVA_INT, JAVA_INT);
    }
    private static final class Sendmsg {
        static final MethodHandle H = errno("sendmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Recvmsg {
        static final MethodHandle H = errno("recvmsg", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Getsockopt {
        static final MethodHandle H = errno("getsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS);
    }
    private static final class Setsockopt {
        static final MethodHandle H = errno("setsockopt", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
    }
    private static final class Poll {
        static final MethodHandle H = errno("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    }
    private static final class EpollCreate1 {
        static final MethodHandle H = errno("epoll_create1", JAVA_INT, JAVA_INT);
    }
    private static final class EpollCtl {
        static final MethodHandle H = errno("epoll_ctl", JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS);
    }
    private static final class EpollWait {
        static final MethodHandle H = errno("epoll_wait", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
    }
    private static final class Eventfd { static final MethodHandle H = errno("eventfd", JAVA_INT, JAVA_INT, JAVA_INT); }
    private static final class Read {
        static final MethodHandle H = errno("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    }
    private static final class Write {
        static final MethodHandle H = errno("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
    }
    private static final class Getuid {
        static final MethodHandle H = plain("getuid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class Getgid {
        static final MethodHandle H = plain("getgid", FunctionDescriptor.of(JAVA_INT));
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

    static int close(int fd) {
        try {
            return (int) Close.H.invokeExact(SLOT.get(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int ftruncate(int fd, long length) {
        try {
            return (int) Ftruncate.H.invokeExact(SLOT.get(), fd, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fstat(int fd, MemorySegment stat) {
        try {
            return (int) Fstat.H.invokeExact(SLOT.get(), fd, stat);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fchmod(int fd, int mode) {
        try {
            return (int) Fchmod.H.invokeExact(SLOT.get(), fd, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int fcntl(int fd, int cmd, int arg) {
        try {
            return (int) Fcntl.H.invokeExact(SLOT.get(), fd, cmd, arg);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int open(MemorySegment path, int flags, int mode) {
        try {
            return (int) Open.H.invokeExact(SLOT.get(), path, flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int flock(int fd, int operation) {
        try {
            return (int) Flock.H.invokeExact(SLOT.get(), fd, operation);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int memfdCreate(MemorySegment name, int flags) {
        try {
            return (int) MemfdCreate.H.invokeExact(SLOT.get(), name, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shmOpen(MemorySegment name, int flags, int mode) {
        try {
            return (int) ShmOpen.H.invokeExact(SLOT.get(), name, flags, mode);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shmUnlink(MemorySegment name) {
        try {
            return (int) ShmUnlink.H.invokeExact(SLOT.get(), name);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Returns the mapping's address, or -1 (MAP_FAILED). */
    static long mmap(long length, int prot, int flags, int fd, long offset) {
        try {
            MemorySegment m = (MemorySegment) Mmap.H.invokeExact(SLOT.get(), MemorySegment.NULL, length, prot, flags, fd, offset);
            return m.address();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int munmap(long address, long length) {
        try {
            return (int) Munmap.H.invokeExact(SLOT.get(), MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) Syscall6.H.invokeExact(SLOT.get(), nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long syscall(long nr, long a, long b) {
        try {
            return (long) Syscall2.H.invokeExact(SLOT.get(), nr, a, b);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int socket(int domain, int type, int protocol) {
        try {
            return (int) Socket.H.invokeExact(SLOT.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int socketpair(int domain, int type, int protocol, MemorySegment fds) {
        try {
            return (int) Socketpair.H.invokeExact(SLOT.get(), domain, type, protocol, fds);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) Bind.H.invokeExact(SLOT.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static final int AT_FDCWD = -100;
    static final int RENAME_NOREPLACE = 1;

    /** renameat2(2) relative to the working directory; {@code flags} e.g. {@link #RENAME_NOREPLACE}. */
    static int renameat2(MemorySegment from, MemorySegment to, int flags) {
        try {
            return (int) Renameat2.H.invokeExact(SLOT.get(), AT_FDCWD, from, AT_FDCWD, to, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int listen(int fd, int backlog) {
        try {
            return (int) Listen.H.invokeExact(SLOT.get(), fd, backlog);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int accept4(int fd, int flags) {
        try {
            return (int) Accept4.H.invokeExact(SLOT.get(), fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int connect(int fd, MemorySegment address, int length) {
        try {
            return (int) Connect.H.invokeExact(SLOT.get(), fd, address, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int shutdown(int fd, int how) {
        try {
            return (int) Shutdown.H.invokeExact(SLOT.get(), fd, how);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long sendmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) Sendmsg.H.invokeExact(SLOT.get(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long recvmsg(int fd, MemorySegment msghdr, int flags) {
        try {
            return (long) Recvmsg.H.invokeExact(SLOT.get(), fd, msghdr, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getsockopt(int fd, int level, int option, MemorySegment value, MemorySegment length) {
        try {
            return (int) Getsockopt.H.invokeExact(SLOT.get(), fd, level, option, value, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int setsockopt(int fd, int level, int option, MemorySegment value, int length) {
        try {
            return (int) Setsockopt.H.invokeExact(SLOT.get(), fd, level, option, value, length);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int poll(MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) Poll.H.invokeExact(SLOT.get(), fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollCreate1(int flags) {
        try {
            return (int) EpollCreate1.H.invokeExact(SLOT.get(), flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EpollCtl.H.invokeExact(SLOT.get(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int epollWait(int epfd, MemorySegment events, int maxEvents, int timeoutMillis) {
        try {
            return (int) EpollWait.H.invokeExact(SLOT.get(), epfd, events, maxEvents, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int eventfd(int initial, int flags) {
        try {
            return (int) Eventfd.H.invokeExact(SLOT.get(), initial, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long read(int fd, MemorySegment buffer, long count) {
        try {
            return (long) Read.H.invokeExact(SLOT.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static long write(int fd, MemorySegment buffer, long count) {
        try {
            return (long) Write.H.invokeExact(SLOT.get(), fd, buffer, count);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getuid() {
        try {
            return (int) Getuid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    static int getgid() {
        try {
            return (int) Getgid.H.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
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
