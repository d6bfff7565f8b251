package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every failure is an exception naming the call, the errno and its text; nothing leaks on the way out. */
class ErrorPathsTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path dir;

    private static ErrnoException fails(int errno, String text, Executable call) {
        ErrnoException e = assertThrows(ErrnoException.class, call);
        assertEquals(errno, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains(Errno.name(errno) + " (" + text + ")"), e.getMessage());
        return e;
    }

    @Test
    void aClosedDescriptorIsRefusedBeforeAndByTheKernel() throws Exception {
        Fd fd = MemFd.create("closed", 4096);
        fd.close();
        fd.close(); // idempotent
        fails(Errno.EBADF, "Bad file descriptor", fd::get);
        fails(Errno.EBADF, "Bad file descriptor", () -> Mapping.map(fd, 4096, false));
        // A number the kernel does not know (beyond any descriptor limit): the kernel's own EBADF, named.
        ErrnoException e = fails(Errno.EBADF, "Bad file descriptor", () -> Fd.adopt(1 << 30).stat());
        assertTrue(e.getMessage().startsWith("fstat(fd " + (1 << 30) + ")"), e.getMessage());
    }

    @Test
    void aMissingPathIsNamedInTheError() {
        String name = "ipc4j.test.missing." + System.nanoTime();
        ErrnoException shm = fails(Errno.ENOENT, "No such file or directory", () -> NamedShm.open(name, false));
        assertTrue(shm.getMessage().contains(name), shm.getMessage());
        Path socket = dir.resolve("nobody.sock");
        ErrnoException connect = fails(Errno.ENOENT, "No such file or directory", () -> UnixSocket.connect(UnixAddress.of(socket)));
        assertEquals("connect(" + socket + ")", connect.call());
        fails(Errno.ENOENT, "No such file or directory", () -> NamedShm.unlink(name));
    }

    @Test
    void permissionDeniedByTheKernel() throws Exception {
        String name = "ipc4j.test.ro." + System.nanoTime();
        NamedShm.create(name, 4096, 0600).close();
        try (Fd readOnly = NamedShm.open(name, true)) {
            // A writable shared mapping of a descriptor opened read-only: refused even for root.
            fails(Errno.EACCES, "Permission denied", () -> Mapping.map(readOnly, 4096, false));
        } finally {
            NamedShm.unlink(name);
        }
        try (Fd sealed = MemFd.create("sealed", 4096)) {
            MemFd.seal(sealed, MemFd.SEAL_WRITE);
            fails(Errno.EPERM, "Operation not permitted", () -> Mapping.map(sealed, 4096, false));
        }
    }

    @Test
    void aSocketNobodyListensOnRefusesTheConnection() throws Exception {
        Path live = dir.resolve("live.sock");
        Path orphan = dir.resolve("orphan.sock");
        try (UnixServerSocket server = UnixServerSocket.listen(UnixAddress.of(live), 0600, 1)) {
            Files.createLink(orphan, live); // a socket file that outlives its listener, as after a crash
        }
        assertTrue(Files.exists(orphan));
        fails(Errno.ECONNREFUSED, "Connection refused", () -> UnixSocket.connect(UnixAddress.of(orphan)));
        fails(Errno.ECONNREFUSED, "Connection refused",
                () -> UnixSocket.connect(UnixAddress.ofAbstract("ipc4j.test.nobody." + System.nanoTime())));
    }

    @Test
    void aPathInUseIsNotTakenOver() throws Exception {
        Path path = dir.resolve("taken.sock");
        try (UnixServerSocket first = UnixServerSocket.listen(UnixAddress.of(path), 0600, 1)) {
            fails(Errno.EADDRINUSE, "Address already in use", () -> UnixServerSocket.listen(UnixAddress.of(path), 0600, 1));
            try (UnixSocket stillServed = UnixSocket.connect(UnixAddress.of(path))) {
                assertTrue(stillServed.isOpen());
            }
        }
        assertTrue(Files.notExists(path), "closing the listener removes its socket file");
    }

    @Test
    void aVanishedProcessAndAnUnsealedMemfdAreReported() throws Exception {
        fails(Errno.ESRCH, "No such process", () -> PidFd.open(Integer.MAX_VALUE - 1));
        try (Fd unsealed = MemFd.create("unsealed", 4096)) {
            fails(Errno.EPERM, "Operation not permitted", () -> MemFd.requireSealedSize(unsealed));
        }
        try (Fd notMemfd = PidFd.open(ProcessHandle.current().pid()).fd()) {
            fails(Errno.EINVAL, "Invalid argument", () -> MemFd.seals(notMemfd));
        }
    }

    @Test
    void invalidArgumentsAreRejectedBeforeAnySystemCall() {
        assertThrows(IllegalArgumentException.class, () -> NamedShm.create("a/b", 4096, 0600));
        assertThrows(IllegalArgumentException.class, () -> NamedShm.create("x", 4096, 01777));
        assertThrows(IllegalArgumentException.class, () -> UnixAddress.ofAbstract("x".repeat(108)));
        assertThrows(IllegalArgumentException.class, () -> MemFd.create("negative", -1));
        assertThrows(IllegalArgumentException.class, () -> PidFd.open(0));
    }
}
