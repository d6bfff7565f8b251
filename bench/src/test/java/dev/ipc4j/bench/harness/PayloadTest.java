package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class PayloadTest {
    @Test
    void aFilledMessageHoldsItsSequenceAndNoOther() {
        Payload p = new Payload(64);
        p.fill(42);
        assertEquals(42, p.sequence());
        assertTrue(p.holds(42));
        assertFalse(p.holds(43));
    }

    @Test
    void aSingleAlteredByteIsDetected() {
        Payload p = new Payload(64);
        p.fill(7);
        p.segment().set(ValueLayout.JAVA_BYTE, 63, (byte) (p.segment().get(ValueLayout.JAVA_BYTE, 63) ^ 1));
        assertFalse(p.holds(7));
    }

    @Test
    void bufferAndSegmentAreTheSameMemory() {
        Payload p = new Payload(16);
        p.buffer().put(8, (byte) 99);
        assertEquals(99, p.segment().get(ValueLayout.JAVA_BYTE, 8));
        assertEquals(16, p.buffer().capacity());
        assertEquals(16, p.segment().byteSize());
    }

    @Test
    void tooSmallForASequenceNumberIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Payload(7));
    }
}
