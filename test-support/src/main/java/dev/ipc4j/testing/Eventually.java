package dev.ipc4j.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting, with a deadline, for a condition another thread or process makes true (never a sleep as synchronisation). */
public final class Eventually {
    private Eventually() {}

    /** Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code limit}. */
    public static void await(BooleanSupplier condition, String what, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                fail("not within " + limit + ": " + what);
            }
            Thread.yield();
        }
    }
}
