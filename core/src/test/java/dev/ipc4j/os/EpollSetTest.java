package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.NoLeaks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class EpollSetTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void reportsTheReadableDescriptorsAtTheirIndexes() throws Exception {
        try (EventFd a = EventFd.create(); EventFd b = EventFd.create(); EpollSet set = new EpollSet()) {
            set.add(a.fd());
            set.add(b.fd());
            assertEquals(0, set.await(10), "nothing readable: the wait times out");
            b.signal();
            assertEquals(1, set.await(-1));
            assertFalse(set.ready(0));
            assertTrue(set.ready(1));
            b.drain();
            set.clear();
            set.add(b.fd());
            set.add(a.fd());
            a.signal();
            assertEquals(1, set.await(-1));
            assertTrue(set.ready(1), "indexes follow this wait's order, not the registration's");
            assertFalse(set.ready(0));
        }
    }

    @Test
    void keepsOneEpollDescriptorAcrossWaitsAndGivesItBackOnClose() throws Exception {
        long before = NoLeaks.descriptorCount();
        try (EventFd a = EventFd.create(); EpollSet set = new EpollSet()) {
            a.signal();
            for (int i = 0; i < 100; i++) {
                set.clear();
                set.add(a.fd());
                assertEquals(1, set.await(-1));
            }
            assertEquals(before + 2, NoLeaks.descriptorCount(), "the doorbell and one epoll instance");
            set.close();
            assertEquals(before + 1, NoLeaks.descriptorCount());
            set.clear();
            set.add(a.fd());
            assertEquals(1, set.await(-1), "usable again after close");
        }
        assertEquals(before, NoLeaks.descriptorCount());
    }

    @Test
    void aDescriptorLeftOutOfAWaitDoesNotEndIt() throws Exception {
        try (EventFd a = EventFd.create(); EventFd b = EventFd.create(); EpollSet set = new EpollSet()) {
            set.add(a.fd());
            set.add(b.fd());
            assertEquals(0, set.await(0));
            set.clear();
            set.add(b.fd());
            a.signal(); // readable, but no longer asked for
            assertEquals(0, set.await(20));
            assertFalse(set.ready(0));
        }
    }

    /**
     * A registered descriptor closed here while its open file lives on elsewhere (as a doorbell a peer shares does):
     * the kernel keeps its registration, which must not end later waits, whether or not its number is reused.
     */
    @Test
    void aClosedDescriptorsLingeringRegistrationIsDropped() throws Exception {
        try (EventFd shared = EventFd.create(); EpollSet set = new EpollSet()) {
            Fd copy = shared.fd().dup();
            int number = copy.get();
            set.add(copy);
            assertEquals(0, set.await(0));
            copy.close();
            shared.signal(); // the file behind the closed number is readable now
            try (EventFd next = EventFd.create()) {
                assertEquals(number, next.fd().get(), "the lowest free number is reused (the worst case)");
                set.clear();
                set.add(next.fd());
                assertEquals(0, set.await(20), "the old registration must not report the new descriptor ready");
                assertFalse(set.ready(0));
                next.signal();
                assertEquals(1, set.await(-1));
                assertTrue(set.ready(0));
            }
        }
    }

    @Test
    void oneWaitOverHundredsOfDescriptors() throws Exception {
        List<EventFd> bells = new ArrayList<>();
        try (EpollSet set = new EpollSet()) {
            for (int i = 0; i < 300; i++) {
                bells.add(EventFd.create());
            }
            for (int round = 0; round < 3; round++) {
                set.clear();
                for (EventFd b : bells) {
                    set.add(b.fd());
                }
                int rung = 37 + round * 100;
                bells.get(rung).signal();
                assertEquals(1, set.await(-1));
                for (int i = 0; i < bells.size(); i++) {
                    assertEquals(i == rung, set.ready(i), "index " + i);
                }
                bells.get(rung).drain();
            }
        } finally {
            for (EventFd b : bells) {
                b.close();
            }
        }
    }
}
