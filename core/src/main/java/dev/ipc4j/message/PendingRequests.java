package dev.ipc4j.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The requests of one endpoint that wait for their responses, by request id: what {@code ConcurrentHashMap<Long, V>}
 * would be, without a boxed key and a node per request. Ids come from one counter, so the requests waiting at any
 * moment are nearly consecutive: each goes to the slot its id names ({@code id & (SLOTS - 1)}), and only one whose
 * slot is held by a request 256 ids older (still waiting) goes to an overflow map.
 *
 * <p>Thread-safe and lock-free: {@link #put} from any thread (a request), {@link #take} from the driving thread (the
 * response), {@link #remove} from any (a timeout, a cancel, the response's own completion) and {@link #takeAll} when
 * the endpoint ends. Each entry leaves exactly once, to whichever of {@code take}, {@code remove} and {@code takeAll}
 * claims it first (a compare-and-set on its slot, or the overflow map's own removal); the others see it gone. Ids are
 * never reused while their request waits, so a slot's entry whose id matches is that request.
 *
 * @param <V> the waiting request, which knows its id
 */
final class PendingRequests<V extends PendingRequests.Keyed> {
    /** A waiting request: its id does not change. */
    interface Keyed {
        long id();
    }

    static final int SLOTS = 256;
    private static final int MASK = SLOTS - 1;

    private final AtomicReferenceArray<V> slots = new AtomicReferenceArray<>(SLOTS);
    private final Map<Long, V> overflow = new ConcurrentHashMap<>();

    /** Adds a request whose id is not waiting already. */
    void put(V request) {
        long id = request.id();
        if (!slots.compareAndSet(slot(id), null, request)) {
            overflow.put(id, request);
        }
    }

    /** Removes and returns the request with {@code id}, or null when none waits (answered, timed out, never sent). */
    V take(long id) {
        int i = slot(id);
        V v = slots.get(i);
        if (v != null && v.id() == id) {
            return slots.compareAndSet(i, v, null) ? v : null; // else a remove or takeAll claimed it just now
        }
        return overflow.isEmpty() ? null : overflow.remove(id);
    }

    /** Removes {@code request} if it still waits; true when this call removed it. */
    boolean remove(V request) {
        long id = request.id();
        if (slots.compareAndSet(slot(id), request, null)) {
            return true;
        }
        return !overflow.isEmpty() && overflow.remove(id, request);
    }

    /** Removes and returns every request waiting now (the endpoint ends: each is failed by the caller). */
    List<V> takeAll() {
        List<V> all = new ArrayList<>();
        for (int i = 0; i < SLOTS; i++) {
            V v = slots.get(i);
            if (v != null && slots.compareAndSet(i, v, null)) {
                all.add(v);
            }
        }
        for (Long id : List.copyOf(overflow.keySet())) {
            V v = overflow.remove(id);
            if (v != null) {
                all.add(v);
            }
        }
        return all;
    }

    /** How many wait (a snapshot, for tests and diagnostics). */
    int size() {
        int n = overflow.size();
        for (int i = 0; i < SLOTS; i++) {
            if (slots.get(i) != null) {
                n++;
            }
        }
        return n;
    }

    private static int slot(long id) {
        return (int) id & MASK;
    }
}
