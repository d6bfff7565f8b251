package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A scoped view of a payload: the same bytes, read-only, and an exception (never a read) once its scope closed. */
class InMessageScopeTest {
    @Test
    void aViewReadsThePayloadUntilItsScopeClosesThenThrows() {
        try (Arena memory = Arena.ofConfined()) {
            MemorySegment bytes = memory.allocate(64);
            bytes.set(ValueLayout.JAVA_LONG, 8, 0x1234_5678_9abcL);
            try (InMessage<MemorySegment> m = new InMessage<>(RawCodec.INSTANCE, Kind.NOTIFY, 1, 0, 0, null,
                    bytes.asReadOnly(), List.of())) {
                Arena scope = Arena.ofShared();
                MemorySegment view = m.payload(scope);
                ByteBuffer buffer = view.asByteBuffer();
                assertEquals(0x1234_5678_9abcL, view.get(ValueLayout.JAVA_LONG, 8));
                assertEquals(64, buffer.remaining());
                assertTrue(view.isReadOnly() && buffer.isReadOnly(), "as read-only as the payload");
                scope.close();
                assertThrows(IllegalStateException.class, () -> view.get(ValueLayout.JAVA_LONG, 8));
                assertThrows(IllegalStateException.class, () -> buffer.get(8));
                assertEquals(0x1234_5678_9abcL, m.payload().get(ValueLayout.JAVA_LONG, 8), "the message itself lives on");
            }
        }
    }
}
