package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class FutexTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void aWaitOnAChangedWordReturnsAtOnce() throws Exception {
        try (Fd fd = MemFd.create("futex", 4096); Mapping m = Mapping.map(fd, 4096, false)) {
            assertEquals(Futex.Wait.VALUE_CHANGED, Futex.await(m.segment(), 0, 5, -1));
        }
    }

    @Test
    void aTimedWaitTimesOut() throws Exception {
        try (Fd fd = MemFd.create("futex", 4096); Mapping m = Mapping.map(fd, 4096, false)) {
            long start = System.nanoTime();
            assertEquals(Futex.Wait.TIMED_OUT, Futex.await(m.segment(), 4, 0, 20_000_000));
            assertTrue(System.nanoTime() - start >= 19_000_000);
            assertEquals(0, Futex.wake(m.segment(), 4, Integer.MAX_VALUE), "nobody waits");
        }
    }

    @Test
    void misplacedWordsAreRejected() throws Exception {
        try (Fd fd = MemFd.create("futex", 4096); Mapping m = Mapping.map(fd, 4096, false)) {
            assertThrows(IllegalArgumentException.class, () -> Futex.await(m.segment(), 2, 0, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> Futex.wake(m.segment(), 4096, 1));
            assertThrows(IllegalArgumentException.class, () -> Futex.wake(MemorySegment.ofArray(new int[2]), 0, 1), "heap memory");
            m.close();
            assertThrows(IllegalArgumentException.class, () -> Futex.wake(m.segment(), 0, 1), "an unmapped word");
        }
    }
}
