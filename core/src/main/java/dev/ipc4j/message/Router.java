package dev.ipc4j.message;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Routes unsolicited messages (notifications and requests) to the handler expecting their type, and keeps those that
 * arrive before their handler, in arrival order, until one is registered.
 *
 * <p>Invariant: every routing decision and every hand-over to the executor happens under this object's lock, so for
 * each type the executor receives messages in arrival order whether they were cached or not; with a serial executor
 * handlers therefore see them in order.
 */
final class Router<R> {
    private record Route<R>(MessageHandler<R> handler, boolean once) {}

    private final Map<Integer, Route<R>> routes = new HashMap<>();
    private final Map<Integer, ArrayDeque<InMessage<R>>> early = new HashMap<>();
    private final BiConsumer<MessageHandler<R>, InMessage<R>> deliver;
    private final int maxEarly;
    private int earlyCount;
    private boolean closed;

    /** @param deliver hands a message to a handler (on the executor); called under the lock */
    Router(BiConsumer<MessageHandler<R>, InMessage<R>> deliver, int maxEarly) {
        this.deliver = deliver;
        this.maxEarly = maxEarly;
    }

    /**
     * Registers a handler; cached messages of its type go to it first (only the oldest, when {@code once}). On a closed
     * router it does nothing: no message will come (a session that ends races with every registration; the channel's
     * end is told by its error handler and futures, not by this call).
     */
    synchronized void expect(int type, MessageHandler<R> handler, boolean once) {
        if (closed) {
            return;
        }
        if (routes.containsKey(type)) {
            throw new IllegalStateException("type " + type + " is expected already: unexpect it first");
        }
        ArrayDeque<InMessage<R>> cached = early.get(type);
        if (once && cached != null && !cached.isEmpty()) {
            earlyCount--;
            deliver.accept(handler, cached.poll());
            if (cached.isEmpty()) {
                early.remove(type);
            }
            return;
        }
        routes.put(type, new Route<>(handler, once));
        if (cached != null) {
            early.remove(type);
            earlyCount -= cached.size();
            for (InMessage<R> m : cached) {
                deliver.accept(handler, m);
            }
        }
    }

    /** Removes the handler of {@code type}; later messages of it are cached again. */
    synchronized boolean unexpect(int type) {
        return routes.remove(type) != null;
    }

    /**
     * Delivers or caches one message.
     *
     * @return false when the cache is full (the message was not taken)
     */
    synchronized boolean route(InMessage<R> m) {
        if (closed) {
            m.close();
            return true;
        }
        Route<R> r = routes.get(m.type());
        if (r != null) {
            if (r.once()) {
                routes.remove(m.type());
            }
            deliver.accept(r.handler(), m);
            return true;
        }
        if (earlyCount >= maxEarly) {
            return false;
        }
        early.computeIfAbsent(m.type(), t -> new ArrayDeque<>()).add(m);
        earlyCount++;
        return true;
    }

    /** How many messages wait for their handler. */
    synchronized int cached() {
        return earlyCount;
    }

    /** Closes the cached messages; later ones are closed on arrival. */
    synchronized void close() {
        closed = true;
        for (ArrayDeque<InMessage<R>> q : early.values()) {
            q.forEach(InMessage::close);
        }
        early.clear();
        earlyCount = 0;
        routes.clear();
    }
}
