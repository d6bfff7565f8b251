package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MappingTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void twoMappingsOfOneMemfdShareBytes() throws Exception {
        try (Fd fd = MemFd.create("share", 1 << 20);
                Mapping a = Mapping.map(fd, 1 << 20, false);
                Mapping b = Mapping.map(fd, 1 << 20, false)) {
            a.segment().set(ValueLayout.JAVA_LONG, (1 << 20) - 8, 77L);
            assertEquals(77L, b.segment().get(ValueLayout.JAVA_LONG, (1 << 20) - 8));
            assertTrue(a.segment().address() != b.segment().address());
        }
    }

    @Test
    void aReadOnlyMappingRefusesWritesWithAnException() throws Exception {
        try (Fd fd = MemFd.create("ro", 4096); Mapping ro = Mapping.map(fd, 4096, true)) {
            assertTrue(ro.isReadOnly());
            assertTrue(ro.segment().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> ro.segment().set(ValueLayout.JAVA_INT, 0, 1));
            assertThrows(IllegalArgumentException.class, () -> ro.segment().fill((byte) 1));
            assertEquals(0, ro.segment().get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void accessIsBoundsCheckedAndEndsWithTheMapping() throws Exception {
        MemorySegment view;
        try (Fd fd = MemFd.create("bounds", 4096); Mapping m = Mapping.map(fd, 4096, false)) {
            assertThrows(IndexOutOfBoundsException.class, () -> m.segment().get(ValueLayout.JAVA_LONG, 4090));
            view = m.segment().asSlice(8, 8);
            m.close();
            m.close(); // idempotent
            assertFalse(m.isOpen());
        }
        assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_LONG, 0));
    }

    @Test
    void mappingMoreThanTheObjectHoldsIsRefused() throws Exception {
        try (Fd fd = MemFd.create("small", 4096)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Mapping.map(fd, 8192, false));
            assertEquals(Errno.EINVAL, e.errno());
            assertThrows(IllegalArgumentException.class, () -> Mapping.map(fd, 0, false));
        }
    }

    @Test
    void sealsStopResizing() throws Exception {
        try (Fd fd = MemFd.create("sealed", 4096)) {
            MemFd.seal(fd, MemFd.SEAL_SIZE);
            MemFd.requireSealedSize(fd);
            assertEquals(MemFd.SEAL_SIZE, MemFd.seals(fd) & MemFd.SEAL_SIZE);
            ErrnoException e = assertThrows(ErrnoException.class, () -> Libc.check(Libc.ftruncate(fd.get(), 1), "ftruncate"));
            assertEquals(Errno.EPERM, e.errno());
            assertThrows(ErrnoException.class, () -> MemFd.seal(fd, MemFd.SEAL_WRITE), "SEAL_SEAL forbids more seals");
        }
    }

    @Test
    void namedObjectsGetExactlyTheModeAskedForWhateverTheUmask() throws Exception {
        for (int mode : new int[] {0600, 0640, 0660, 0666}) {
            String name = "ipc4j.test.mode." + Integer.toOctalString(mode) + "." + System.nanoTime();
            try (Fd fd = NamedShm.create(name, 8192, mode)) {
                FileStat stat = fd.stat();
                assertEquals(mode, stat.permissions(), "0" + Integer.toOctalString(mode));
                assertEquals(8192, stat.size());
                assertEquals(PeerCredentials.self().uid(), stat.uid());
                ErrnoException again = assertThrows(ErrnoException.class, () -> NamedShm.create(name, 8192, mode));
                assertEquals(Errno.EEXIST, again.errno());
            } finally {
                NamedShm.unlink(name);
            }
        }
    }
}
