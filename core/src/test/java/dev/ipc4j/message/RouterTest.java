package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Routing by type and early-arrival caching, without processes: deliveries are recorded in order. */
class RouterTest {
    private final List<String> delivered = new ArrayList<>();
    private final MessageHandler<MemorySegment> a = m -> { };
    private final MessageHandler<MemorySegment> b = m -> { };
    private final BiConsumer<MessageHandler<MemorySegment>, InMessage<MemorySegment>> deliver =
            (h, m) -> delivered.add((h == a ? "a" : "b") + m.id());

    private static InMessage<MemorySegment> message(long id, int type) {
        return new InMessage<>(RawCodec.INSTANCE, Kind.NOTIFY, id, 0, type, null, MemorySegment.NULL, List.of());
    }

    @Test
    void cachedMessagesComeFirstAndInOrder() {
        Router<MemorySegment> router = new Router<>(deliver, 100);
        assertTrue(router.route(message(1, 7)));
        assertTrue(router.route(message(2, 8)));
        assertTrue(router.route(message(3, 7)));
        assertEquals(3, router.cached());
        router.expect(7, a, false);
        assertEquals(List.of("a1", "a3"), delivered);
        router.route(message(4, 7));
        assertEquals(List.of("a1", "a3", "a4"), delivered);
        assertEquals(1, router.cached()); // type 8 still waits
    }

    @Test
    void aOneShotHandlerTakesOneMessageCachedOrNot() {
        Router<MemorySegment> router = new Router<>(deliver, 100);
        router.route(message(1, 7));
        router.route(message(2, 7));
        router.expect(7, a, true);
        assertEquals(List.of("a1"), delivered);
        router.expect(7, b, true);
        assertEquals(List.of("a1", "b2"), delivered);
        router.expect(7, a, true); // nothing cached: waits for the next
        router.route(message(3, 7));
        router.route(message(4, 7));
        assertEquals(List.of("a1", "b2", "a3"), delivered);
        assertEquals(1, router.cached());
    }

    @Test
    void unexpectCachesAgainAndTwoHandlersForOneTypeAreRefused() {
        Router<MemorySegment> router = new Router<>(deliver, 100);
        router.expect(7, a, false);
        assertThrows(IllegalStateException.class, () -> router.expect(7, b, false));
        assertTrue(router.unexpect(7));
        assertFalse(router.unexpect(7));
        router.route(message(1, 7));
        assertEquals(List.of(), delivered);
        assertEquals(1, router.cached());
    }

    @Test
    void aFullCacheRefusesAndAClosedRouterDropsMessages() {
        Router<MemorySegment> router = new Router<>(deliver, 2);
        assertTrue(router.route(message(1, 7)));
        assertTrue(router.route(message(2, 8)));
        InMessage<MemorySegment> third = message(3, 9);
        assertFalse(router.route(third));
        assertTrue(third.isOpen(), "refused, not taken: the caller closes it");
        router.close();
        assertEquals(0, router.cached());
        InMessage<MemorySegment> late = message(4, 7);
        assertTrue(router.route(late));
        assertFalse(late.isOpen());
        router.expect(7, a, false); // a channel that just ended: no handler will be called, and no exception
        InMessage<MemorySegment> later = message(5, 7);
        assertTrue(router.route(later));
        assertFalse(later.isOpen(), "dropped, not handed to the handler registered after the close");
    }
}
