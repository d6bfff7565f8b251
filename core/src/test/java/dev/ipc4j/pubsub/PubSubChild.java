package dev.ipc4j.pubsub;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.transport.Runner;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The far ends of the pub/sub tests. {@code subscribe RUNDIR DELIVERY START NAME SLOW_NANOS LIMIT [runner]}:
 * subscribes and reads until the end (or LIMIT samples), checking order, gaps and checksums, then reports; with
 * {@code runner}, on a runner of its own (handlers inline there) instead of blocking receives. {@code publish RUNDIR
 * CAPACITY}: serves the topic and publishes what the parent asks for.
 */
public final class PubSubChild {
    private PubSubChild() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[1]);
        switch (args[0]) {
            case "subscribe" -> subscribe(runDir, Delivery.valueOf(args[2]), start(args[3]), args[4], Long.parseLong(args[5]),
                    Long.parseLong(args[6]), args.length > 7 ? args[7] : "receive");
            case "publish" -> publish(runDir, Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static StartAt start(String s) {
        if (s.equals("now")) {
            return StartAt.now();
        }
        String[] kv = s.split(":");
        return kv[0].equals("last") ? StartAt.last(Long.parseLong(kv[1])) : StartAt.sequence(Long.parseLong(kv[1]));
    }

    /** Checks what arrives: every sequence from the first is either received once, in order, or inside one gap. */
    static final class Checker implements SampleHandler {
        final long slowNanos;
        final boolean retain;
        final java.util.List<RetainedSample> kept = new java.util.ArrayList<>();
        long retainedChecked;
        long expected = -1;
        long first = -1;
        long received;
        long missed;
        long gaps;
        long bad;
        String firstBad;

        /** With {@code retain}, keeps samples 8 at a time past their handler and checks them only then. */
        Checker(long slowNanos, boolean retain) {
            this.slowNanos = slowNanos;
            this.retain = retain;
        }

        @Override
        public void onSample(Sample sample) {
            long s = sample.sequence();
            if (first < 0) {
                first = s;
            } else if (s != expected) {
                fail("sample " + s + " where " + expected + " was due");
            }
            if (!Samples.check(sample.memory(), s)) {
                fail("sample " + s + " does not check");
            }
            expected = s + 1;
            received++;
            if (retain) {
                kept.add(sample.retain());
                if (kept.size() == 8) { // by now the publisher's history has moved past most of them
                    for (RetainedSample r : kept) {
                        if (!Samples.check(r.memory(), r.sequence())) {
                            fail("retained sample " + r.sequence() + " changed");
                        }
                        r.close();
                        retainedChecked++;
                    }
                    kept.clear();
                }
            }
            if (slowNanos > 0) {
                long until = System.nanoTime() + slowNanos;
                while (System.nanoTime() - until < 0) {
                    Thread.onSpinWait();
                }
            }
        }

        @Override
        public void onGap(Gap gap) {
            if (first < 0) {
                first = gap.from();
            } else if (gap.from() != expected) {
                fail("gap from " + gap.from() + " where " + expected + " was due");
            }
            expected = gap.to();
            missed += gap.missed();
            gaps++;
        }

        private void fail(String why) {
            bad++;
            if (firstBad == null) {
                firstBad = why;
            }
        }

        String report() {
            return "received=" + received + " retained=" + retainedChecked + " missed=" + missed + " gaps=" + gaps + " bad=" + bad + " first=" + first
                    + " next=" + expected + (firstBad == null ? "" : " why=" + firstBad.replace(' ', '_'));
        }
    }

    private static void subscribe(Path runDir, Delivery delivery, StartAt start, String name, long slowNanos, long limit,
            String style) throws Exception {
        boolean onRunner = style.equals("runner");
        Subscriber.Config config = Subscriber.Config.DEFAULT.withDelivery(delivery).withStart(start);
        if (!name.equals("-")) {
            config = config.withName(name);
        }
        try (ClientSession session = ClientSession.connect(Samples.READER, Samples.feed(runDir));
                Subscriber subscriber = Subscriber.open(session, Samples.TOPIC, config)) {
            Checker checker = new Checker(slowNanos, style.equals("retain"));
            say("ready " + subscriber.next() + " " + Long.toHexString(subscriber.epoch()));
            String end = "ended";
            if (onRunner) {
                java.util.concurrent.CompletableFuture<String> ended = new java.util.concurrent.CompletableFuture<>();
                try (Runner runner = Runner.start(Runner.Config.DEFAULT.withName("subscriber")
                        .withThreadFactory(r -> Thread.ofPlatform().name("user-reader").unstarted(r)))) {
                    subscriber.attach(runner, new SampleHandler() {
                        @Override
                        public void onSample(Sample sample) {
                            checker.onSample(sample);
                        }

                        @Override
                        public void onGap(Gap gap) {
                            checker.onGap(gap);
                        }

                        @Override
                        public void onEnd(PubSubException cause) {
                            ended.complete(cause == null ? "ended"
                                    : cause instanceof PublisherGoneException ? "gone" : "evicted");
                        }
                    });
                    end = ended.get();
                }
                say("done " + end + " " + checker.report() + " delivery=" + subscriber.delivery());
                hear("exit");
                return;
            }
            try {
                while (checker.received < limit) {
                    int n = subscriber.receive(checker, (int) Math.min(64, limit - checker.received), Duration.ofSeconds(1));
                    if (n == Subscriber.ENDED) {
                        break;
                    }
                }
                if (checker.received >= limit) {
                    end = "limit";
                }
            } catch (PublisherGoneException e) {
                end = "gone";
                if (subscriber.poll(checker, 1) != Subscriber.ENDED) {
                    end = "gone-but-not-ended";
                }
            } catch (SubscriptionEndedException e) {
                end = "evicted";
            }
            say("done " + end + " " + checker.report() + " delivery=" + subscriber.delivery());
        }
        hear("exit");
    }

    private static void publish(Path runDir, int capacity) throws Exception {
        try (SessionServer server = SessionServer.start(Samples.feed(runDir));
                Publisher publisher = Publisher.open(server, Samples.TOPIC, Publisher.Config.DEFAULT.withCapacity(capacity))) {
            Publisher.serve(server, publisher);
            say("ready");
            while (true) {
                String[] command = hear().split(" ");
                if (command[0].equals("publish")) {
                    long count = Long.parseLong(command[1]);
                    for (long i = 0; i < count; i++) {
                        MemorySegment m = publisher.loan(64);
                        Samples.write(m, publisher.tail());
                        publisher.publish();
                    }
                    say("published " + publisher.tail());
                } else if (command[0].equals("subscribers")) {
                    say("subscribers " + publisher.subscribers().size());
                } else {
                    break;
                }
            }
        }
    }
}
