package dev.ipc4j.transport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A {@link Runner} thread going to sleep against a thread that asks it for a cycle ({@link SleepHandshake}, as
 * {@code Runner.Attachment.wake()} and the runner's sleep use it): the asker must ring the doorbell, or the runner must
 * not sleep. r1 = the asker rings, r2 = the runner stays awake.
 */
@JCStressTest
@Outcome(id = {"1, 0", "0, 1", "1, 1"}, expect = ACCEPTABLE, desc = "the asker rings, or the runner does not sleep")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "a lost request: the runner sleeps and nobody rings it")
@State
public class RunnerSleepHandshakeStress {
    private final SleepHandshake handshake = new SleepHandshake();

    @Actor
    public void asker(II_Result r) {
        r.r1 = handshake.requestVolatile() ? 1 : 0;
    }

    @Actor
    public void runner(II_Result r) {
        r.r2 = handshake.parkVolatile() ? 0 : 1;
    }
}
