package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Closing}: never throws, closes each thing once and in order, keeps a failure where the caller said. */
class ClosingTest {
    @Test
    void aFailureToCloseIsNotThrownAndEveryOtherIsStillClosedInOrder() {
        List<String> closed = new ArrayList<>();
        AutoCloseable a = () -> closed.add("a");
        AutoCloseable failing = () -> {
            closed.add("failing");
            throw new IOException("on purpose");
        };
        AutoCloseable b = () -> closed.add("b");
        Closing.all(a, null, failing, b);
        Closing.all(Arrays.asList(b, null, a));
        Closing.quietly(null);
        Closing.quietly(failing);
        assertEquals(List.of("a", "failing", "b", "b", "a", "failing"), closed);
    }

    @Test
    void aFailureToCloseWhileFailingIsAddedToTheCauseAsSuppressed() {
        IOException cause = new IOException("the real failure");
        IOException onClose = new IOException("and closing failed too");
        Closing.quietly(() -> {
            throw onClose;
        }, cause);
        Closing.quietly(() -> {}, cause);
        Closing.quietly(null, cause);
        assertArrayEquals(new Throwable[] {onClose}, cause.getSuppressed());
    }

    @Test
    void anInterruptSeenWhileClosingStaysOnTheThread() {
        try {
            Closing.quietly(() -> {
                throw new InterruptedException("closing waited and was interrupted");
            });
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted(); // clear it for the next test
        }
    }
}
