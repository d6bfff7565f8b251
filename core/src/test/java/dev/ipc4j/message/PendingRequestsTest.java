package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The waiting requests by id, single-threaded; the races are PendingRequestsStress's (jcstress). */
class PendingRequestsTest {
    record Waiting(long id) implements PendingRequests.Keyed {}

    @Test
    void eachRequestIsTakenOnceByItsIdAndNoOtherIdFindsIt() {
        PendingRequests<Waiting> p = new PendingRequests<>();
        Waiting a = new Waiting(1);
        Waiting b = new Waiting(2);
        p.put(a);
        p.put(b);
        assertNull(p.take(3));
        assertNull(p.take(1 + PendingRequests.SLOTS), "same slot, another id");
        assertSame(b, p.take(2));
        assertNull(p.take(2), "taken once");
        assertTrue(p.remove(a));
        assertFalse(p.remove(a), "removed once");
        assertNull(p.take(1));
        assertEquals(0, p.size());
    }

    @Test
    void requestsWhoseSlotIsHeldGoToTheOverflowAndAreFoundThere() {
        PendingRequests<Waiting> p = new PendingRequests<>();
        // 1,000 waiting at once, ids wrapping the slots almost four times, some of them near the top of the id range.
        List<Waiting> all = new java.util.ArrayList<>();
        for (long id = 1; id <= 1_000; id++) {
            all.add(new Waiting(id % 3 == 0 ? -id : id));
        }
        all.forEach(p::put);
        assertEquals(1_000, p.size());
        for (int i = 0; i < all.size(); i += 2) {
            assertSame(all.get(i), p.take(all.get(i).id()));
        }
        for (int i = 1; i < all.size(); i += 4) {
            assertTrue(p.remove(all.get(i)));
        }
        Set<Waiting> rest = new HashSet<>(p.takeAll());
        Set<Waiting> expected = new HashSet<>();
        for (int i = 3; i < all.size(); i += 4) {
            expected.add(all.get(i));
        }
        assertEquals(expected, rest);
        assertEquals(0, p.size());
        assertTrue(p.takeAll().isEmpty());
    }

    @Test
    void aSlotFreedIsUsedAgainByALaterId() {
        PendingRequests<Waiting> p = new PendingRequests<>();
        Waiting old = new Waiting(5);
        Waiting later = new Waiting(5 + PendingRequests.SLOTS);
        p.put(old);
        p.put(later); // overflow: the slot is held
        assertSame(old, p.take(5));
        Waiting third = new Waiting(5 + 2L * PendingRequests.SLOTS);
        p.put(third); // the slot again
        assertSame(later, p.take(later.id()));
        assertSame(third, p.take(third.id()));
        assertEquals(0, p.size());
    }
}
