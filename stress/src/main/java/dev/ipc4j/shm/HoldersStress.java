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
 * {@link Holders}: the last holder lets go while a borrower takes a hold. Either the borrower came first (its bit is
 * set, the block stays alive, nobody frees it) or the block was freed first (the borrower is refused, the word stays
 * 0). A freed block revived by a late borrower, or a block nobody frees although nobody holds it, is forbidden.
 * r1 = the borrow succeeded, r2 = the release freed the block, r3 = the holders word at the end.
 */
@JCStressTest
@Outcome(id = "1, 0, 2", expect = ACCEPTABLE, desc = "borrowed first: the borrower holds it, nobody frees it")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "freed first: the late borrower is refused")
@Outcome(expect = FORBIDDEN, desc = "a freed block revived, or a free block never freed")
@State
public class HoldersStress {
    private static final long ENTRY = 0;
    private final MemorySegment control = MemorySegment.ofArray(new long[4]);
    private int borrowed;
    private int freed;

    public HoldersStress() {
        ArenaLayout.LONG.setRelease(control, ENTRY + ArenaLayout.E_HOLDERS, 1L); // slot 0 holds it
    }

    @Actor
    public void lastHolderLetsGo() {
        freed = Holders.remove(control, ENTRY, 1L) ? 1 : 0;
    }

    @Actor
    public void borrower() {
        borrowed = Holders.add(control, ENTRY, 2L) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(III_Result r) {
        r.r1 = borrowed;
        r.r2 = freed;
        r.r3 = (int) (long) ArenaLayout.LONG.getAcquire(control, ENTRY + ArenaLayout.E_HOLDERS);
    }
}
