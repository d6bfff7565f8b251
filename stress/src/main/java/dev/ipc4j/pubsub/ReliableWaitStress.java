package dev.ipc4j.pubsub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The handshake of a publisher waiting for a reliable subscriber: the publisher stores PUBLISHER_WAITING and then
 * looks at the cursor (the futex compares it); the subscriber stores its cursor and then reads PUBLISHER_WAITING to
 * decide whether to wake it. A publisher that sleeps on a cursor that moved while the subscriber makes no wake is
 * forbidden. r1 = the publisher saw the new cursor, r2 = the subscriber saw the publisher waiting.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the publisher does not sleep, or is woken")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "a lost wake: the publisher sleeps on a cursor that moved")
@State
public class ReliableWaitStress {
    private final TopicBlock block = TopicBlock.format(MemorySegment.ofArray(new long[(int) (TopicBlock.bytesFor(2) / 8)]), 2, 1);
    private final CursorBlock cursor = new CursorBlock(MemorySegment.ofArray(new long[(int) (CursorBlock.BYTES / 8)]));

    @Actor
    public void publisher(II_Result r) {
        block.publisherWaiting(true);
        r.r1 = cursor.nextAcquire() == 1 ? 1 : 0;
    }

    @Actor
    public void subscriber(II_Result r) {
        cursor.nextVolatile(1);
        r.r2 = block.publisherWaitingVolatile() ? 1 : 0;
    }
}
