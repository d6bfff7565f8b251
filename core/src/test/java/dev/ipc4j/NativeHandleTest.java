package dev.ipc4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.os.Fd;
import dev.ipc4j.os.MemFd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@link NativeHandle}: its API speaks only exported and JDK types; a closed handle is a clear programming error. */
class NativeHandleTest {
    @Test
    void aClosedHandleRefusesItsNumberWithIllegalStateAndClosesOnce() throws Exception {
        NativeHandle h = NativeHandle.adopt(MemFd.create("ipc4j.test.handle", 4096).release());
        int fd = h.fd();
        assertTrue(Files.exists(Path.of("/proc/self/fd/" + fd)), "open while the handle is");
        h.close();
        assertFalse(h.isOpen());
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + fd)), "closed with the handle");
        IllegalStateException e = assertThrows(IllegalStateException.class, h::fd);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, h::release);
        h.close(); // idempotent
    }

    @Test
    void releaseHandsTheNumberOverAndLeavesTheHandleClosed() throws Exception {
        NativeHandle h = NativeHandle.adopt(MemFd.create("ipc4j.test.handle", 4096).release());
        int fd = h.release();
        assertFalse(h.isOpen());
        h.close(); // does not close what was handed over
        assertTrue(Files.exists(Path.of("/proc/self/fd/" + fd)), "the caller owns it now");
        try (Fd owned = Fd.adopt(fd)) {
            assertEquals(fd, owned.get());
        }
        assertFalse(Files.exists(Path.of("/proc/self/fd/" + fd)));
    }
}
