package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * The child process of a run: connects to the parent's host, echoes every ping-pong message back unchanged, takes the
 * throughput batches (checking that sequence numbers arrive in order, none lost or doubled) and acknowledges each, then
 * reports its allocations and exits.
 *
 * <p>Lines on stdout: {@code READY} once connected; {@code DONE <ping-pong bytes/msg> <throughput bytes/msg>} at the
 * end; {@code FAIL <reason>} on error (exit code 1). It never outlives its parent: it halts when its stdin reaches end
 * of file (the parent died or closed it) and when the run's timeout has passed.
 */
public final class EchoSide {
    private EchoSide() {}

    public static void main(String[] args) {
        RunSpec spec = RunSpec.fromArgs(args);
        ChildSide.haltWithParent(spec.timeout());
        long deadline = Deadlines.after(spec.timeout());
        try (PingPongTransport.Link link = Transports.named(spec.transport()).connect(args[0], spec.waitMode(), spec.payloadBytes(), deadline)) {
            ChildSide.say("READY");
            Payload message = new Payload(spec.payloadBytes());
            long sequence = 0;
            for (int i = 0; i < spec.warmup(); i++) {
                echo(link, message, sequence++, deadline);
            }
            long before = Allocations.current();
            for (int i = 0; i < spec.iterations(); i++) {
                echo(link, message, sequence++, deadline);
            }
            double pingPongAlloc = Allocations.perMessage(before, Allocations.current(), spec.iterations());

            InOrder inOrder = new InOrder();
            for (int b = 0; b < spec.warmupBatches(); b++) {
                takeBatch(link, message, inOrder, spec.batchSize(), spec.pollLimit(), deadline);
            }
            before = Allocations.current();
            for (int b = 0; b < spec.batches(); b++) {
                takeBatch(link, message, inOrder, spec.batchSize(), spec.pollLimit(), deadline);
            }
            double throughputAlloc = Allocations.perMessage(before, Allocations.current(), spec.measuredMessages());
            ChildSide.say(String.format(Locale.ROOT, "DONE %.3f %.3f", pingPongAlloc, throughputAlloc));
        } catch (IOException | TimeoutException | RuntimeException e) {
            e.printStackTrace();
            ChildSide.say("FAIL " + e.toString().replace('\n', ' '));
            System.exit(1);
        }
    }

    private static void echo(PingPongTransport.Link link, Payload message, long sequence, long deadline) throws IOException, TimeoutException {
        link.receive(message, deadline);
        if (message.sequence() != sequence) {
            throw new IllegalStateException("ping-pong message " + message.sequence() + " arrived, expected " + sequence);
        }
        link.send(message, deadline);
    }

    /**
     * Receives one batch in order, up to {@code pollLimit} messages per poll, and acknowledges it by sending its last
     * message back; returns the next sequence.
     */
    private static long takeBatch(PingPongTransport.Link link, Payload message, InOrder inOrder, int size, int pollLimit, long deadline)
            throws IOException, TimeoutException {
        for (int k = 0; k < size; ) {
            k += link.receiveUpTo(Math.min(pollLimit, size - k), message, inOrder, deadline);
        }
        link.send(message, deadline);
        return inOrder.expected;
    }

    /** Checks that throughput messages arrive in sequence, none lost or doubled. */
    private static final class InOrder implements PingPongTransport.MessageCheck {
        long expected;

        @Override
        public void check(Payload message) {
            if (message.sequence() != expected) {
                throw new IllegalStateException("throughput message " + message.sequence() + " arrived, expected " + expected);
            }
            expected++;
        }
    }
}
