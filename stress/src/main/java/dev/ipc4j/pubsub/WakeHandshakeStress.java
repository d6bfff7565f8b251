package dev.ipc4j.pubsub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The sleeper handshake between a publisher and a subscriber about to sleep on the topic's WAKE word (the Dekker
 * pattern): the publisher stores TAIL, fences, reads the cursor's SLEEPING; the subscriber stores SLEEPING, then reads
 * TAIL. At least one must see the other: a subscriber that sleeps although a sample is there while the publisher makes
 * no wake is forbidden. r1 = the publisher saw SLEEPING, r2 = the subscriber saw the new TAIL.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the publisher wakes, or the subscriber does not sleep")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "a lost wake: the subscriber sleeps on a sample it missed")
@State
public class WakeHandshakeStress {
    private final TopicBlock block = TopicBlock.format(MemorySegment.ofArray(new long[(int) (TopicBlock.bytesFor(2) / 8)]), 2, 1);
    private final CursorBlock cursor = new CursorBlock(MemorySegment.ofArray(new long[(int) (CursorBlock.BYTES / 8)]));

    @Actor
    public void publisher(II_Result r) {
        block.commitEntry(0);
        VarHandle.fullFence(); // as Publisher.publish does before it reads the cursors
        r.r1 = cursor.sleepingAcquire() == CursorBlock.ON_FUTEX ? 1 : 0;
    }

    @Actor
    public void subscriber(II_Result r) {
        cursor.sleepingVolatile(CursorBlock.ON_FUTEX);
        r.r2 = block.tailVolatile() > 0 ? 1 : 0;
    }
}
