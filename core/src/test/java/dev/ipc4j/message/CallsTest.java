package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The call frames' bodies: what is written reads back the same, and a lying body is only ever a typed error. */
class CallsTest {
    private static final CallOptions OPTIONS = CallOptions.of("pkg.Service/Method", 7).withTimeout(Duration.ofMillis(1500))
            .withHeaders(Metadata.empty().with("user-agent", "ipc4j").with("trace-bin", new byte[] {1, 2, 3}));

    private static MemorySegment body(OutMessage out) {
        try (out) {
            return MemorySegment.ofArray(out.payload().asSlice(0, out.length()).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void optionsStatusTrailersCreditAndCancelReadBackAsWritten() throws Exception {
        CallOptions back = Calls.readOpen(body(Calls.open(OPTIONS)), 7);
        assertEquals("pkg.Service/Method", back.method());
        assertEquals(Optional.of(Duration.ofMillis(1500)), back.timeout());
        assertEquals("ipc4j", back.headers().get("user-agent"));
        assertArrayEquals(new byte[] {1, 2, 3}, back.headers().getBytes("trace-bin"));
        Calls.Closing closing = Calls.readClose(body(Calls.close(Status.NOT_FOUND.withDescription("no such file"),
                Metadata.empty().with("retry", "no"))));
        assertEquals(new Status(5, "no such file"), closing.status());
        assertEquals("no", closing.trailers().get("retry"));
        assertEquals("yes", Calls.readHeaders(body(Calls.headers(Metadata.empty().with("cached", "yes")))).get("cached"));
        assertEquals(12, Calls.readCredit(body(Calls.credit(12))));
        assertEquals(Status.DEADLINE_EXCEEDED.code(), Calls.readCancel(body(Calls.cancel(Status.DEADLINE_EXCEEDED)), true).code());
        assertEquals(Status.CANCELLED.code(), Calls.readCancel(body(Calls.cancel(Status.UNKNOWN)), false).code());
        assertEquals(Status.UNKNOWN.code(), new Status(999, "").code(), "a code a peer made up reads as UNKNOWN");
    }

    @Test
    void everyTruncationAndAWrongTypeAreMalformed() {
        MemorySegment open = body(Calls.open(OPTIONS));
        for (long n = 0; n < open.byteSize(); n++) {
            MemorySegment cut = open.asSlice(0, n);
            assertThrows(MalformedMessageException.class, () -> Calls.readOpen(cut, 7), "cut at " + n);
        }
        assertThrows(MalformedMessageException.class, () -> Calls.readOpen(open, 8), "the header's type disagrees");
        MemorySegment close = body(Calls.close(Status.OK, Metadata.empty().with("a", "b")));
        for (long n = 0; n < close.byteSize(); n++) {
            MemorySegment cut = close.asSlice(0, n);
            assertThrows(MalformedMessageException.class, () -> Calls.readClose(cut), "cut at " + n);
        }
        MemorySegment headers = body(Calls.headers(Metadata.empty().with("a", "b")));
        for (long n = 0; n < headers.byteSize(); n++) {
            MemorySegment cut = headers.asSlice(0, n);
            assertThrows(MalformedMessageException.class, () -> Calls.readHeaders(cut), "cut at " + n);
        }
        MemorySegment zero = MemorySegment.ofArray(new byte[8]);
        assertThrows(MalformedMessageException.class, () -> Calls.readCredit(zero));
        assertThrows(IllegalArgumentException.class, () -> Metadata.empty().with("Upper", "x"), "keys are lowercase");
    }

    @Test
    void randomBodiesGiveOnlyTypedErrors() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = new byte[random.nextInt(0, 96)];
            random.nextBytes(bytes);
            MemorySegment b = MemorySegment.ofArray(bytes);
            try {
                Calls.readOpen(b, b.byteSize() >= 6 ? 0 : 1);
            } catch (MalformedMessageException expected) {
                // the only way out besides success
            }
            try {
                Calls.readClose(b);
            } catch (MalformedMessageException expected) {
                // likewise
            }
            try {
                Calls.readHeaders(b);
            } catch (MalformedMessageException expected) {
                // likewise
            }
        }
    }
}
