package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The leak detector the other tests rely on must see the kinds of descriptor it claims to. */
class NoLeaksTest {
    @Test
    void seesAnOpenMemfdSocketPidfdAndShmObject() throws Exception {
        Set<String> before = NoLeaks.descriptors();
        String name = "ipc4j.test.leak." + System.nanoTime();
        UnixSocket[] pair = UnixSocket.pair();
        try (Fd memfd = MemFd.create("leak", 4096); UnixSocket a = pair[0]; UnixSocket b = pair[1];
                PidFd self = PidFd.open(ProcessHandle.current().pid()); Fd shm = NamedShm.create(name, 4096, 0600)) {
            Set<String> during = NoLeaks.descriptors();
            during.removeAll(before);
            assertEquals(5, during.size(), during.toString());
            assertTrue(NoLeaks.shmObjects().contains(name));
        } finally {
            NamedShm.unlink(name);
        }
        assertEquals(before, NoLeaks.descriptors());
    }
}
