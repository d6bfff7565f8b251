package dev.ipc4j.shm;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.MemorySegment;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link FreeList} under the race that breaks a Treiber stack without its tag (ABA): the list holds entries 0 and 1;
 * one thread pops both and pushes the first back (same head entry, another next) while another thread pops. Without
 * the tag, the second thread's compare-and-set can succeed on the stale head and put the already popped entry 1 back
 * on the list. r1 = the second thread's entry, r2 = the entry the first thread kept, r3 = the entries left on the list
 * as a bit mask (bit e for entry e; 4 when an entry is there twice or the list runs on).
 */
@JCStressTest
@Outcome(id = "0, -1, 2", expect = ACCEPTABLE, desc = "second first: it takes 0; the first takes 1, finds none, gives 1 back")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "first all done: it keeps 1, gives 0 back, which the second takes")
@Outcome(id = "1, -1, 1", expect = ACCEPTABLE, desc = "interleaved: the second takes 1 between the first's pops")
@Outcome(id = "-1, 1, 1", expect = ACCEPTABLE, desc = "the second pops between the first's second pop and its push")
@Outcome(expect = FORBIDDEN, desc = "an entry lost or in two places at once (ABA)")
@State
public class FreeListStress {
    private static final long HEAD = 0;
    private static final long ENTRIES = 64;
    private static final int MAX = 4;
    private final MemorySegment control = MemorySegment.ofArray(new long[(int) (ENTRIES + ArenaLayout.ENTRY_SIZE * MAX) / 8]);
    private int taken = -2;
    private int kept = -2;

    public FreeListStress() {
        FreeList.push(control, HEAD, ENTRIES, 1);
        FreeList.push(control, HEAD, ENTRIES, 0);
    }

    @Actor
    public void popTwicePushFirstBack() {
        int first = FreeList.pop(control, HEAD, ENTRIES, MAX);
        kept = FreeList.pop(control, HEAD, ENTRIES, MAX);
        if (first >= 0) {
            FreeList.push(control, HEAD, ENTRIES, first);
        }
    }

    @Actor
    public void pop() {
        taken = FreeList.pop(control, HEAD, ENTRIES, MAX);
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = taken;
        r.r2 = kept;
        int mask = 0;
        int seen = 0;
        for (int e; (e = FreeList.pop(control, HEAD, ENTRIES, MAX)) >= 0; ) {
            if (++seen > 2 || (mask & (1 << e)) != 0 || e == taken || e == kept) {
                mask = 4;
                break;
            }
            mask |= 1 << e;
        }
        r.r3 = mask;
    }
}
