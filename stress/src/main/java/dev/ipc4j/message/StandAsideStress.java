package dev.ipc4j.message;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The last requester leaving an endpoint against its runner going to sleep ({@link StandAside}, as
 * {@code MessageEndpoint.awaitDriving} and {@code prepareToSleep} use it): a runner that stands aside because it saw
 * the requester must be handed back by it. r1 = the requester hands back, r2 = the runner stands aside.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 1"}, expect = ACCEPTABLE, desc = "the runner arms its own wake-up, or is handed back")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "a hand-back the runner does not need (checked again under the lock)")
@Outcome(id = "0, 1", expect = FORBIDDEN, desc = "lost: the runner sleeps aside and nobody hands back")
@State
public class StandAsideStress {
    private final StandAside standAside = new StandAside();

    public StandAsideStress() {
        standAside.enterVolatile(); // a requester drives
    }

    @Actor
    public void requester(II_Result r) {
        r.r1 = standAside.leaveVolatile() ? 1 : 0;
    }

    @Actor
    public void runner(II_Result r) {
        r.r2 = standAside.standAsideVolatile() ? 1 : 0;
    }
}
