package dev.ipc4j.message;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link PendingRequests}: a waiting request leaves exactly once, to whichever of the response ({@code take}), a
 * timeout or cancel ({@code remove}) and the endpoint's end ({@code takeAll}) claims it first, and a request put while
 * its slot is busy or being freed (256 ids later) is never lost. Two actors a test (jcstress schedules no more on this
 * project's 2-core machines); the arbiter then counts what is left.
 */
public final class PendingRequestsStress {
    private PendingRequestsStress() {}

    record Waiting(long id) implements PendingRequests.Keyed {}

    static final long FIRST = 7;
    static final long SAME_SLOT = FIRST + PendingRequests.SLOTS;

    /** The response and a timeout race for one request: one of them has it, and nothing waits after. */
    @JCStressTest
    @Outcome(id = {"1, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "one claimed it; nothing waits")
    @Outcome(expect = FORBIDDEN, desc = "claimed twice, by neither, or still waiting")
    @State
    public static class ResponseAgainstTimeout {
        private final PendingRequests<Waiting> pending = new PendingRequests<>();
        private final Waiting first = new Waiting(FIRST);

        public ResponseAgainstTimeout() {
            pending.put(first);
        }

        @Actor
        public void response(III_Result r) {
            r.r1 = pending.take(FIRST) == first ? 1 : 0;
        }

        @Actor
        public void timeout(III_Result r) {
            r.r2 = pending.remove(first) ? 1 : 0;
        }

        @Arbiter
        public void after(III_Result r) {
            r.r3 = pending.size();
        }
    }

    /** The endpoint's end and the response race for one request: one of them has it, and nothing waits after. */
    @JCStressTest
    @Outcome(id = {"1, 0, 0", "0, 1, 0"}, expect = ACCEPTABLE, desc = "one claimed it; nothing waits")
    @Outcome(expect = FORBIDDEN, desc = "claimed twice, by neither, or still waiting")
    @State
    public static class EndAgainstResponse {
        private final PendingRequests<Waiting> pending = new PendingRequests<>();
        private final Waiting first = new Waiting(FIRST);

        public EndAgainstResponse() {
            pending.put(first);
        }

        @Actor
        public void end(III_Result r) {
            r.r1 = pending.takeAll().contains(first) ? 1 : 0;
        }

        @Actor
        public void response(III_Result r) {
            r.r2 = pending.take(FIRST) == first ? 1 : 0;
        }

        @Arbiter
        public void after(III_Result r) {
            r.r3 = pending.size();
        }
    }

    /**
     * The endpoint ends while a request whose slot is held is put (it goes to the overflow map, or to the slot the end
     * just freed): the end has the first, and the second is in exactly one place, taken by the end or still waiting.
     */
    @JCStressTest
    @Outcome(id = {"1, 1, 0", "1, 0, 1"}, expect = ACCEPTABLE, desc = "the end took the first; the second in one place")
    @Outcome(expect = FORBIDDEN, desc = "the second lost or in two places, or the first missed")
    @State
    public static class EndAgainstNewRequest {
        private final PendingRequests<Waiting> pending = new PendingRequests<>();
        private final Waiting first = new Waiting(FIRST);
        private final Waiting second = new Waiting(SAME_SLOT);

        public EndAgainstNewRequest() {
            pending.put(first);
        }

        @Actor
        public void end(III_Result r) {
            var all = pending.takeAll();
            r.r1 = all.contains(first) ? 1 : 0;
            r.r2 = all.contains(second) ? 1 : 0;
        }

        @Actor
        public void anotherRequest() {
            pending.put(second);
        }

        @Arbiter
        public void after(III_Result r) {
            r.r3 = pending.take(SAME_SLOT) == second ? 1 : 0;
        }
    }

    /**
     * A response frees a slot while a request for the same slot is put: the response has the first, and the second is
     * found by its id afterwards, whether it went to the slot or to the overflow map; nothing else waits.
     */
    @JCStressTest
    @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "the first answered, the second found by its id")
    @Outcome(expect = FORBIDDEN, desc = "the first missed, or the second lost")
    @State
    public static class ResponseAgainstNewRequest {
        private final PendingRequests<Waiting> pending = new PendingRequests<>();
        private final Waiting first = new Waiting(FIRST);
        private final Waiting second = new Waiting(SAME_SLOT);

        public ResponseAgainstNewRequest() {
            pending.put(first);
        }

        @Actor
        public void response(III_Result r) {
            r.r1 = pending.take(FIRST) == first ? 1 : 0;
        }

        @Actor
        public void anotherRequest() {
            pending.put(second);
        }

        @Arbiter
        public void after(III_Result r) {
            r.r2 = pending.take(SAME_SLOT) == second ? 1 : 0;
            r.r3 = pending.size();
        }
    }
}
