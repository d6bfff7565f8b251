package dev.ipc4j.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A {@link DescriptorSet} over one {@code epoll(7)} instance whose registrations are kept from one wait to the next:
 * when a wait names the same descriptors as the last one (a runner thread sleeping on the same rings and sockets
 * again), it is one {@code epoll_wait} and no other system call, whatever the number of descriptors. {@code poll(2)}
 * instead walks, hooks and unhooks every descriptor on every wait: about 80 ns each per wait on this project's test
 * machine, so ~12 µs per wake-up for a server runner with 150 of them (docs/benchmarks.md).
 *
 * <p>A wait whose descriptors differ from the last one's first removes the registrations no longer named and adds
 * the new ones (a few {@code epoll_ctl} calls). The registrations are level-triggered, as {@code poll(2)} is, so a
 * wait returns at once while any named descriptor stays readable.
 *
 * <p>Closed descriptors: the kernel drops a registration when the open file is closed everywhere, but a descriptor
 * received from a peer (a ring's doorbell) stays open in the peer, and its registration would outlive our close, could
 * stay readable, and make every wait return at once. So a wait that finds one of the registered {@link Fd}s closed
 * (or {@linkplain Fd#release() released}) starts a new epoll instance, which takes every old registration with it.
 * An {@code Fd} closed by another thread during a wait can make that one wait end early: never more than one.
 *
 * <pre>
 * struct epoll_event (x86-64, packed, 12 bytes): offset 0 events u32 | offset 4 data u64 (here: the descriptor number)
 * </pre>
 *
 * <p>Not thread-safe: one per waiting thread. {@link #close()} frees the epoll descriptor; a later wait makes a new one.
 */
public final class EpollSet implements DescriptorSet {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLLIN = 0x001;
    private static final long EVENT_SIZE = 12;
    private static final long EVENTS_OFFSET = 0;
    private static final long DATA_OFFSET = 4;
    /** Events taken per wait; more ready descriptors are reported by the next wait (level-triggered). */
    private static final int MAX_EVENTS = 64;

    private final MemorySegment change = Arena.ofAuto().allocate(EVENT_SIZE, 8);
    private final MemorySegment events = Arena.ofAuto().allocate(MAX_EVENTS * EVENT_SIZE, 8);
    private Fd epoll; // null before the first wait and after close()
    // This wait's descriptors, in the order added.
    private Fd[] fds = new Fd[16];
    private int[] numbers = new int[16];
    private boolean[] readable = new boolean[16];
    private int count;
    // What the epoll instance watches now: the last wait's descriptors (each under its number as data).
    private Fd[] registered = new Fd[16];
    private int[] registeredNumbers = new int[16];
    private int registeredCount;

    /** An empty set; its epoll descriptor is made by the first wait. */
    public EpollSet() {}

    @Override
    public void clear() {
        count = 0;
    }

    @Override
    public int add(Fd fd) throws ErrnoException {
        int number = fd.get();
        if (count == fds.length) {
            fds = Arrays.copyOf(fds, count * 2);
            numbers = Arrays.copyOf(numbers, count * 2);
            readable = Arrays.copyOf(readable, count * 2);
        }
        fds[count] = fd;
        numbers[count] = number;
        return count++;
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int await(int timeoutMillis) throws ErrnoException {
        register();
        Arrays.fill(readable, 0, count, false);
        int n = Libc.epollWait(epoll.get(), events, MAX_EVENTS, timeoutMillis);
        if (n < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new ErrnoException("epoll_wait(" + count + " descriptors)", errno);
        }
        int ready = 0;
        for (int e = 0; e < n; e++) {
            int number = (int) events.get(ValueLayout.JAVA_LONG_UNALIGNED, e * EVENT_SIZE + DATA_OFFSET);
            for (int i = 0; i < count; i++) {
                if (numbers[i] == number && !readable[i]) {
                    readable[i] = true;
                    ready++;
                }
            }
        }
        return ready;
    }

    @Override
    public boolean ready(int index) {
        return readable[index];
    }

    @Override
    public void close() {
        Fd e = epoll;
        epoll = null;
        forgetRegistrations();
        if (e != null) {
            try {
                e.close();
            } catch (ErrnoException ignored) {
                // close(2) freed the number whatever it reported
            }
        }
    }

    /** Makes the epoll instance watch exactly this wait's descriptors. */
    private void register() throws ErrnoException {
        if (epoll != null && sameAsRegistered()) {
            return;
        }
        Map<Fd, Boolean> kept = new IdentityHashMap<>();
        if (epoll == null || registeredClosed()) {
            close(); // a fresh instance: stale registrations of closed descriptors go with the old one
            epoll = Fd.adopt(Libc.check(Libc.epollCreate1(EPOLL_CLOEXEC), "epoll_create1"));
        } else {
            Map<Fd, Boolean> wanted = new IdentityHashMap<>();
            for (int i = 0; i < count; i++) {
                wanted.put(fds[i], Boolean.TRUE);
            }
            for (int j = 0; j < registeredCount; j++) {
                if (wanted.containsKey(registered[j])) {
                    kept.put(registered[j], Boolean.TRUE);
                } else {
                    control(EPOLL_CTL_DEL, registeredNumbers[j]);
                }
            }
        }
        for (int i = 0; i < count; i++) {
            if (kept.put(fds[i], Boolean.TRUE) == null) {
                control(EPOLL_CTL_ADD, numbers[i]);
            }
        }
        if (registered.length < count) {
            registered = new Fd[fds.length];
            registeredNumbers = new int[fds.length];
        }
        forgetRegistrations();
        System.arraycopy(fds, 0, registered, 0, count);
        System.arraycopy(numbers, 0, registeredNumbers, 0, count);
        registeredCount = count;
    }

    private boolean sameAsRegistered() {
        if (count != registeredCount) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            if (fds[i] != registered[i] || !registered[i].isOpen()) {
                return false;
            }
        }
        return true;
    }

    private boolean registeredClosed() {
        for (int j = 0; j < registeredCount; j++) {
            if (!registered[j].isOpen()) {
                return true;
            }
        }
        return false;
    }

    private void forgetRegistrations() {
        Arrays.fill(registered, 0, registeredCount, null); // keep no closed Fd reachable from here
        registeredCount = 0;
    }

    /**
     * One registration change. A descriptor closed meanwhile by its owner (EBADF) or already registered (EEXIST: the
     * same descriptor added twice) needs nothing; anything else (ENOSPC: the user's epoll watch limit) is an error.
     */
    private void control(int op, int number) throws ErrnoException {
        change.set(ValueLayout.JAVA_INT, EVENTS_OFFSET, EPOLLIN);
        change.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET, number);
        if (Libc.epollCtl(epoll.get(), op, number, change) < 0) {
            int errno = Libc.errno();
            if (errno == Errno.EBADF || errno == Errno.EEXIST || (op == EPOLL_CTL_DEL && errno == Errno.ENOENT)) {
                return;
            }
            throw new ErrnoException("epoll_ctl(" + (op == EPOLL_CTL_ADD ? "ADD" : "DEL") + ", fd " + number + ")", errno);
        }
    }
}
