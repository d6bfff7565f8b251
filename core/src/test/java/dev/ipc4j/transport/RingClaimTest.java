package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ipc4j.testing.NoLeaks;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Writing a message in place: claim room in the ring, fill it, commit (or abort). */
class RingClaimTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final Duration SHORT = Duration.ofSeconds(5);

    @Test
    void aCommittedClaimArrivesAndAnAbortedOneNever() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.DEFAULT);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            RingPipe ring = (RingPipe) a.blobs();
            RingPipe.Claim skipped = ring.claim(100);
            skipped.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, skipped.offset(), -1L);
            skipped.abort();
            RingPipe.Claim claim = ring.claim(16);
            claim.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, claim.offset(), 1234L);
            claim.buffer().set(ValueLayout.JAVA_LONG_UNALIGNED, claim.offset() + 8, 5678L);
            claim.commit();
            assertThrows(IllegalStateException.class, claim::commit, "a claim is used once");
            long[] got = new long[3];
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> {
                got[0] = blob.length();
                got[1] = blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset());
                got[2] = blob.buffer().get(ValueLayout.JAVA_LONG_UNALIGNED, blob.offset() + 8);
            }, SHORT));
            assertEquals(16, got[0]);
            assertEquals(1234L, got[1]);
            assertEquals(5678L, got[2]);
            assertEquals(0, b.blobs().poll(blob -> { }, 10), "the aborted claim is no message");
        }
    }

    @Test
    void claimsAreBoundedAndOnePerThread() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.DEFAULT.withRing(RingPipe.Config.DEFAULT.withCapacity(4096)));
        try (Channel a = pair[0]; Channel b = pair[1]) {
            RingPipe ring = (RingPipe) a.blobs();
            assertThrows(IllegalArgumentException.class, () -> ring.claim(ring.maxClaim() + 1));
            RingPipe.Claim claim = ring.claim(8);
            assertThrows(IllegalStateException.class, () -> ring.claim(8));
            claim.commit();
            while (ring.tryClaim(ring.maxClaim()) instanceof RingPipe.Claim c) {
                c.commit();
            }
            assertNull(ring.tryClaim(ring.maxClaim()), "a full ring has no room to claim");
        }
    }

    @Test
    void theSenderSeesWhenThePeerHasTakenAMessage() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.DEFAULT);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            RingPipe ring = (RingPipe) a.blobs();
            assertEquals(0, ring.sentPosition());
            ring.send(java.lang.foreign.MemorySegment.ofArray(new byte[40]));
            long first = ring.sentPosition();
            ring.send(java.lang.foreign.MemorySegment.ofArray(new byte[40]));
            long second = ring.sentPosition();
            assertEquals(true, first > 0 && second > first, first + " then " + second);
            assertEquals(0, ring.peerConsumedPosition(), "nothing taken yet");
            long[] seenInHandler = new long[1];
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> seenInHandler[0] = ring.peerConsumedPosition(), SHORT));
            assertEquals(0, seenInHandler[0], "while the handler runs, the message is not yet taken");
            assertEquals(first, ring.peerConsumedPosition());
            assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> { }, SHORT));
            assertEquals(second, ring.peerConsumedPosition());
        }
    }
}
