package dev.ipc4j.counters;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJ_Result;

/**
 * {@link CounterRecord#add} and {@link CounterRecord#raise} as an arena uses them: two threads take a hold at once,
 * each adds its bytes and raises the high-water mark to the total it saw. No add may be lost, and the mark must end at
 * the largest total (the second add's): a raise that lowered it, or missed the larger total, is forbidden.
 * r1 = bytes held at the end, r2 = the high-water mark.
 */
@JCStressTest
@Outcome(id = "12, 12", expect = ACCEPTABLE, desc = "both adds counted; the mark is the larger total")
@Outcome(expect = FORBIDDEN, desc = "an add lost, or a mark below the largest total seen")
@State
public class HighWaterStress {
    private final CounterRecord record = CounterRecord.detached(RecordType.ARENA);

    @Actor
    public void five() {
        record.raise(ArenaField.BYTES_HELD_HIGH_WATER, record.add(ArenaField.BYTES_HELD, 5));
    }

    @Actor
    public void seven() {
        record.raise(ArenaField.BYTES_HELD_HIGH_WATER, record.add(ArenaField.BYTES_HELD, 7));
    }

    @Arbiter
    public void arbiter(JJ_Result r) {
        r.r1 = record.get(ArenaField.BYTES_HELD);
        r.r2 = record.get(ArenaField.BYTES_HELD_HIGH_WATER);
    }
}
