package dev.ipc4j;

import dev.ipc4j.os.ErrnoException;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.Futex;
import dev.ipc4j.os.Mapping;
import dev.ipc4j.os.MemFd;
import dev.ipc4j.os.NamedShm;
import dev.ipc4j.os.PeerCredentials;
import dev.ipc4j.os.PidFd;
import dev.ipc4j.os.UnixAddress;
import dev.ipc4j.os.UnixServerSocket;
import dev.ipc4j.os.UnixSocket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The live checks behind {@link Ipc4j#selfCheck()}. */
final class SelfCheck {
    private static final long SIZE = 1 << 20;
    private static final Duration WAIT = Duration.ofSeconds(5);

    private interface Body {
        void run() throws Exception;
    }

    private SelfCheck() {}

    static List<Ipc4j.Check> run() {
        List<Ipc4j.Check> checks = new ArrayList<>();
        checks.add(check("memfd + seals + mmap", SelfCheck::memfd));
        checks.add(check("/dev/shm object, mode 0600", SelfCheck::namedShm));
        checks.add(check("futex wait/wake", SelfCheck::futex));
        checks.add(check("unix socket + SCM_RIGHTS", SelfCheck::socketWithFds));
        checks.add(check("SO_PEERCRED + SO_PEERPIDFD", SelfCheck::peerCredentials));
        checks.add(check("pidfd exit notice", SelfCheck::pidfd));
        return checks;
    }

    private static Ipc4j.Check check(String name, Body body) {
        try {
            body.run();
            return new Ipc4j.Check(name, null);
        } catch (Exception | LinkageError e) {
            return new Ipc4j.Check(name, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static void memfd() throws ErrnoException {
        try (Fd fd = MemFd.create("ipc4j.selfcheck", SIZE)) {
            MemFd.seal(fd, MemFd.SEAL_SIZE);
            MemFd.requireSealedSize(fd);
            try (Mapping rw = Mapping.map(fd, SIZE, false); Mapping ro = Mapping.map(fd, SIZE, true)) {
                rw.segment().set(ValueLayout.JAVA_LONG, SIZE - 8, 0x1bc4_0000_0042L);
                expect(ro.segment().get(ValueLayout.JAVA_LONG, SIZE - 8) == 0x1bc4_0000_0042L, "a write is not seen through a second mapping");
                try {
                    ro.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
                    throw new IllegalStateException("a read-only mapping accepted a write");
                } catch (IllegalArgumentException refused) {
                    // expected
                }
            }
        }
    }

    private static void namedShm() throws ErrnoException {
        String name = "ipc4j.selfcheck." + ProcessHandle.current().pid() + "." + System.nanoTime();
        try (Fd fd = NamedShm.create(name, 4096, 0600)) {
            try {
                int mode = fd.stat().permissions();
                expect(mode == 0600, "created with mode 0" + Integer.toOctalString(mode) + ", not 0600");
            } finally {
                NamedShm.unlink(name);
            }
        }
    }

    private static void futex() throws Exception {
        try (Fd fd = MemFd.create("ipc4j.selfcheck.futex", 4096); Mapping m = Mapping.map(fd, 4096, false)) {
            MemorySegment word = m.segment();
            expect(Futex.await(word, 0, 1, 1_000_000) == Futex.Wait.VALUE_CHANGED, "a wait on a changed word slept");
            expect(Futex.await(word, 0, 0, 1_000_000) == Futex.Wait.TIMED_OUT, "a timed wait did not time out");
            CompletableFuture<Futex.Wait> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return Futex.await(word, 0, 0, WAIT.toNanos());
                } catch (ErrnoException e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> Thread.ofPlatform().daemon().start(runnable));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (Futex.wake(word, 0, 1) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            expect(waiter.get(WAIT.toMillis(), TimeUnit.MILLISECONDS) == Futex.Wait.WOKEN, "a waiter was not woken");
        }
    }

    private static void socketWithFds() throws Exception {
        UnixAddress address = UnixAddress.ofAbstract("ipc4j.selfcheck." + ProcessHandle.current().pid() + "." + System.nanoTime());
        try (UnixServerSocket server = UnixServerSocket.listen(address, 0600, 1);
                UnixSocket client = UnixSocket.connect(address);
                UnixSocket accepted = server.accept(WAIT).orElseThrow(() -> new IllegalStateException("no connection"));
                Fd memfd = MemFd.create("ipc4j.selfcheck.fd", 4096);
                Arena arena = Arena.ofConfined()) {
            MemFd.seal(memfd, MemFd.SEAL_SIZE);
            try (Mapping m = Mapping.map(memfd, 4096, false)) {
                m.segment().set(ValueLayout.JAVA_INT, 0, 42);
            }
            client.sendFully(arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 7), memfd);
            List<Fd> fds = new ArrayList<>();
            MemorySegment buffer = arena.allocate(1);
            expect(accepted.receive(buffer, fds) == 1 && buffer.get(ValueLayout.JAVA_BYTE, 0) == 7, "the byte did not arrive");
            expect(fds.size() == 1, fds.size() + " descriptors arrived instead of 1");
            try (Fd received = fds.getFirst(); Mapping m = Mapping.map(received, 4096, true)) {
                MemFd.requireSealedSize(received);
                expect(m.segment().get(ValueLayout.JAVA_INT, 0) == 42, "the received memfd does not show the sender's data");
            }
        }
    }

    private static void peerCredentials() throws Exception {
        UnixAddress address = UnixAddress.ofAbstract("ipc4j.selfcheck.cred." + ProcessHandle.current().pid() + "." + System.nanoTime());
        try (UnixServerSocket server = UnixServerSocket.listen(address, 0600, 1);
                UnixSocket client = UnixSocket.connect(address);
                UnixSocket accepted = server.accept(WAIT).orElseThrow(() -> new IllegalStateException("no connection"))) {
            PeerCredentials self = PeerCredentials.self();
            expect(accepted.peerCredentials().equals(self), "SO_PEERCRED says " + accepted.peerCredentials() + ", not " + self);
            try (PidFd peer = client.peerPidFd()) {
                expect(!peer.hasExited(), "the pidfd of a live peer reports an exit");
            }
        }
    }

    private static void pidfd() throws Exception {
        Process child = new ProcessBuilder("sleep", "60").redirectErrorStream(true).start();
        try (PidFd pidfd = PidFd.open(child.pid())) {
            expect(!pidfd.hasExited(), "a running process reported as exited");
            child.destroyForcibly();
            expect(pidfd.awaitExit(Duration.ofSeconds(1)), "no exit notice within 1 s of SIGKILL");
        } finally {
            child.destroyForcibly();
            child.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static void expect(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException(failure);
        }
    }
}
