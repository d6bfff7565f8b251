package dev.ipc4j.pubsub;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * {@link TopicBlock}'s entry seqlock: the publisher rewrites the entry that held sample 0 with sample 2 (a topic of
 * capacity 2) while a subscriber reads sample 0 and then sample 2. A read that succeeds must return exactly that
 * sample's handle, never a mix of the two; a read may fail (lapped, or not yet written). r1, r2 = the reads of 0 and 2:
 * 0 refused, 1 that sample's handle, 2 a torn or wrong handle.
 */
@JCStressTest
@Outcome(id = {"0, 0", "0, 1", "1, 0", "1, 1"}, expect = ACCEPTABLE, desc = "each read is that sample's handle, or refused")
@Outcome(expect = FORBIDDEN, desc = "a read accepted a handle that is not its sample's")
@State
public class TopicEntryStress {
    private static final int CAPACITY = 2;
    private final TopicBlock block = TopicBlock.format(MemorySegment.ofArray(new long[(int) (TopicBlock.bytesFor(CAPACITY) / 8)]),
            CAPACITY, 1);
    private final MemorySegment copy = MemorySegment.ofArray(new long[4]);

    public TopicEntryStress() {
        write(0);
    }

    /** Publishes sample {@code s} whose handle's four numbers all derive from it. */
    private void write(long s) {
        block.beginEntry(s);
        long at = block.handleOffset(s);
        MemorySegment m = block.memory();
        m.set(ValueLayout.JAVA_INT_UNALIGNED, at, 0x31483449);
        m.set(ValueLayout.JAVA_INT_UNALIGNED, at + 4, (int) s + 10);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 8, s * 64);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 16, s + 100);
        m.set(ValueLayout.JAVA_LONG_UNALIGNED, at + 24, s * 7 + 1);
        block.commitEntry(s);
    }

    private int read(long s) {
        if (!block.readEntry(s, copy)) {
            return 0;
        }
        boolean whole = copy.get(ValueLayout.JAVA_INT_UNALIGNED, 4) == (int) s + 10
                && copy.get(ValueLayout.JAVA_LONG_UNALIGNED, 8) == s * 64
                && copy.get(ValueLayout.JAVA_LONG_UNALIGNED, 16) == s + 100
                && copy.get(ValueLayout.JAVA_LONG_UNALIGNED, 24) == s * 7 + 1;
        return whole ? 1 : 2;
    }

    @Actor
    public void publisher() {
        write(2);
    }

    @Actor
    public void subscriber(II_Result r) {
        r.r1 = read(0);
        r.r2 = read(2);
    }
}
