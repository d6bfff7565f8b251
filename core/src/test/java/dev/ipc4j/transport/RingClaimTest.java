package dev.ipc4j.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            RingPipe ring = a.ring().orElseThrow();
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
            RingPipe ring = a.ring().orElseThrow();
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
            RingPipe ring = a.ring().orElseThrow();
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

    /** Sends bound to one thread take no lock; any other thread's send is refused, never interleaved into the ring. */
    @Test
    void boundSendsBelongToOneThread() throws Exception {
        Channel[] pair = Channel.pair(Channel.Config.DEFAULT);
        try (Channel a = pair[0]; Channel b = pair[1]) {
            RingPipe ring = a.ring().orElseThrow();
            RingPipe.Claim open = ring.claim(8);
            assertThrows(IllegalStateException.class, ring::bindSender, "not while this thread has a claim open");
            open.commit();
            ring.bindSender();
            ring.bindSender(); // idempotent on the bound thread
            java.lang.foreign.MemorySegment message = java.lang.foreign.MemorySegment.ofArray(new byte[24]);
            ring.send(message);
            RingPipe.Claim claim = ring.claim(16);
            assertThrows(IllegalStateException.class, () -> ring.send(message), "a send while its own claim is open");
            claim.commit();
            Throwable[] other = new Throwable[4];
            Thread t = Thread.ofPlatform().start(() -> {
                other[0] = catching(() -> ring.send(message));
                other[1] = catching(() -> ring.trySend(message));
                other[2] = catching(() -> ring.claim(8));
                other[3] = catching(ring::bindSender);
            });
            t.join();
            for (Throwable e : other) {
                assertEquals(IllegalStateException.class, e == null ? null : e.getClass(), String.valueOf(e));
                assertTrue(e.getMessage().contains("bound to thread " + Thread.currentThread().getName()), e.getMessage());
            }
            int[] sizes = new int[4];
            int[] n = {0};
            while (n[0] < 3) {
                assertEquals(Receipt.MESSAGE, b.blobs().receive(blob -> sizes[n[0]++] = blob.length(), SHORT));
            }
            assertEquals(8, sizes[0]);
            assertEquals(24, sizes[1]);
            assertEquals(16, sizes[2]);
            assertEquals(0, b.blobs().poll(blob -> sizes[3] = -1, 10), "nothing from the refused sends");
            ring.endSending();
            assertEquals(Receipt.ENDED, b.blobs().receive(blob -> { }, SHORT));
        }
    }

    private interface Call {
        void run() throws Exception;
    }

    private static Throwable catching(Call call) {
        try {
            call.run();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }
}
