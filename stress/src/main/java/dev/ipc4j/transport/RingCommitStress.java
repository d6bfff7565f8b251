package dev.ipc4j.transport;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The ring's commit protocol (layout 3) between a producer and a consumer thread: two records of 64 bytes are
 * committed one after the other, over a data area full of stale bytes (an earlier lap's, here 0x5A everywhere but the
 * first header word, which a fresh segment has as 0). The consumer reads what is there. It may see nothing yet, the
 * first record, or both; it must never see a record torn (its payload not yet written), nor take the stale bytes
 * after the first record for a header: the producer clears that word when it claims, before the first commit.
 *
 * <p>Result per record: 0 not there yet, 1 there and whole, 2 torn, 3 a stale header read as a record.
 */
@JCStressTest
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "nothing committed yet")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the first record, the second not yet")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "both records, whole")
@Outcome(expect = FORBIDDEN, desc = "a torn record, or stale bytes taken for a header")
@State
public class RingCommitStress {
    private static final int PAYLOAD = 64;

    private final MemorySegment data;
    private final Ring producer;
    private final Ring consumer;

    public RingCommitStress() {
        Arena arena = Arena.ofAuto();
        MemorySegment control = arena.allocate(RingLayout.CONTROL_SIZE, 128);
        data = arena.allocate(RingLayout.MIN_CAPACITY, 4096);
        data.fill((byte) 0x5A);
        data.set(ValueLayout.JAVA_LONG, 0, 0L);
        producer = new Ring(control, data);
        consumer = new Ring(control, data);
        try {
            producer.attachProducer(false);
            consumer.attachConsumer(false);
        } catch (ProtocolException e) {
            throw new IllegalStateException(e);
        }
    }

    @Actor
    public void produce() {
        write((byte) 0x11);
        write((byte) 0x22);
    }

    private void write(byte fill) {
        long at = producer.tryClaim(PAYLOAD);
        data.asSlice(at, PAYLOAD).fill(fill);
        try {
            producer.commit(RingLayout.TYPE_DATA);
        } catch (dev.ipc4j.os.ErrnoException e) {
            throw new IllegalStateException(e); // no doorbell is rung: the consumer never sleeps here
        }
    }

    @Actor
    public void consume(II_Result r) {
        r.r1 = read((byte) 0x11);
        r.r2 = r.r1 == 1 ? read((byte) 0x22) : 0;
    }

    private int read(byte fill) {
        int type;
        try {
            type = consumer.readRecord();
        } catch (ProtocolException stale) {
            return 3;
        }
        if (type == Ring.NONE) {
            return 0;
        }
        if (type != RingLayout.TYPE_DATA || consumer.lastLength() != PAYLOAD) {
            return 3;
        }
        long at = consumer.payloadOffset();
        for (int i = 0; i < PAYLOAD; i++) {
            if (data.get(ValueLayout.JAVA_BYTE, at + i) != fill) {
                return 2;
            }
        }
        consumer.advance();
        return 1;
    }
}
