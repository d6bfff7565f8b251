package dev.ipc4j.cli;

import static dev.ipc4j.bench.harness.ResultFormat.quote;

import dev.ipc4j.bench.harness.HelpOption;
import dev.ipc4j.pubsub.Gap;
import dev.ipc4j.pubsub.Sample;
import dev.ipc4j.pubsub.SampleHandler;
import dev.ipc4j.pubsub.Subscriber;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.tap.Tap;
import dev.ipc4j.tap.TapRecord;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ipc4j inspect APP}: the messages crossing a running server's channels, one JSON object per line, read from
 * the server's {@link Tap} in place. The server must have opened its tap and let this app observe; it never waits for
 * us: when we fall behind, a line {@code {"skipped":N}} says how many messages we missed.
 *
 * <p>A message whose codec told the tap its schema (protobuf, FlatBuffers) is shown as {@code "message":{...}}, rendered
 * by that schema ({@link PayloadRenderer}); any other (raw, or cut short by the tap's maxCopy, or not rendering) as
 * {@code "payload":{"hex":...}} with its first bytes, and {@code "unrendered"} saying why when it had a schema.
 */
@Command(name = "inspect", description = "Print the messages crossing a running server's channels as newline-delimited JSON"
        + " (the server must open its tap: dev.ipc4j.tap.Tap).")
final class InspectCommand implements Callable<Integer> {
    /** Payload bytes shown as hex at most. */
    static final int HEX_BYTES = 64;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    private HelpOption help = new HelpOption();

    @CommandLine.Mixin
    private ServerAppOptions target = new ServerAppOptions();

    @Option(names = "--channel", paramLabel = "N", description = "Only channel N (its number, as ipc4j stat shows it).")
    private Long channel;

    @Option(names = "--type", paramLabel = "T", description = "Only messages of routing type T.")
    private Integer type;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N messages (default: until interrupted).")
    private Long count;

    @Option(names = "--hex", description = "Show every payload's first bytes as hex, rendered or not.")
    private boolean hex;

    @Option(names = "--as", paramLabel = "CLIENT_APP", defaultValue = "inspect",
            description = "The client app to observe as (default: ${DEFAULT-VALUE}; the server's tap must name it).")
    private String clientApp;


    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long limit = count == null ? Long.MAX_VALUE : count;
        long[] shown = {0};
        Schemas schemas = new Schemas();
        try (ClientSession session = ClientSession.connect(ClientApp.named(clientApp).build(), target.serverApp());
             Subscriber tap = open(session)) {
            if (tap == null) {
                return 1;
            }
            SampleHandler print = new SampleHandler() {
                @Override
                public void onSample(Sample sample) {
                    TapRecord r;
                    try {
                        r = TapRecord.check(sample.memory());
                    } catch (IllegalArgumentException bad) {
                        out.println("{\"malformed\":" + quote(bad.getMessage()) + "}");
                        return;
                    }
                    if (r.kind().equals(Tap.SKIPPED)) { // the tap recorded nothing while we were a whole history behind
                        out.println("{\"skipped\":" + r.length() + "}");
                        return;
                    }
                    if (r.kind().equals(Tap.SCHEMA)) {
                        schemas.learn(r);
                        return;
                    }
                    if ((channel == null || channel == r.channel()) && (type == null || type == r.type()) && shown[0] < limit) {
                        out.println(json(r, schemas, hex));
                        shown[0]++;
                    }
                }

                @Override
                public void onGap(Gap gap) {
                    out.println("{\"skipped\":" + gap.missed() + "}");
                }
            };
            while (shown[0] < limit && !Thread.currentThread().isInterrupted()) {
                if (tap.receive(print, Duration.ofMillis(200)) == Subscriber.ENDED) {
                    spec.commandLine().getErr().println("ipc4j inspect: the server closed its tap");
                    break;
                }
                out.flush();
                if (out.checkError()) {
                    break; // whoever read us is gone
                }
            }
            out.flush();
            return 0;
        }
    }

    /** The tap's subscription, or null (told why) when the server has none for us. */
    private Subscriber open(ClientSession session) throws java.io.IOException, InterruptedException {
        try {
            return Subscriber.open(session, Tap.TOPIC, Subscriber.Config.DEFAULT.withOpenTimeout(Duration.ofSeconds(5)));
        } catch (dev.ipc4j.Ipc4jException e) {
            spec.commandLine().getErr().println("ipc4j inspect: " + target.app + " lets no " + clientApp + " observe (it opens no"
                    + " Tap, or its Tap.Config names other observers): " + e.getMessage());
            return null;
        }
    }

    /** The schemas the tap told, by number: a renderer, or why there is none. */
    static final class Schemas {
        private final Map<Integer, PayloadRenderer> renderers = new HashMap<>();
        private final Map<Integer, String> unusable = new HashMap<>();

        /** Takes in a {@value Tap#SCHEMA} record (the tap repeats them: the first of each number counts). */
        void learn(TapRecord r) {
            int number = r.schemaNumber();
            if (renderers.containsKey(number) || unusable.containsKey(number)) {
                return;
            }
            try {
                renderers.put(number, PayloadRenderer.of(r.schema()));
            } catch (PayloadRenderer.Unrenderable | IllegalArgumentException e) {
                unusable.put(number, e.getMessage());
            }
        }

        /** {@code r}'s payload as JSON; else null, with the reason in {@code why[0]} (null when it has no schema). */
        String render(TapRecord r, String[] why) {
            int number = r.schemaNumber();
            if (number == 0) {
                return null; // a raw codec, or one that told none: bytes are all there is
            }
            PayloadRenderer renderer = renderers.get(number);
            if (renderer == null) {
                why[0] = unusable.getOrDefault(number, "schema " + number + " not told yet (the tap repeats it every second)");
                return null;
            }
            if (r.copied() < r.length()) {
                why[0] = "the tap recorded only the first " + r.copied() + " of its " + r.length()
                        + " bytes (the server's Tap.Config.maxCopy)";
                return null;
            }
            try {
                return renderer.render(r.payload());
            } catch (PayloadRenderer.Unrenderable e) {
                why[0] = e.getMessage();
                return null;
            }
        }
    }

    /**
     * One record as a JSON line: where and when it crossed, what it is, and its payload rendered by its schema, or its
     * first bytes as hex (both with {@code hex}).
     */
    static String json(TapRecord r, Schemas schemas, boolean hex) {
        String[] why = {null};
        String message = schemas.render(r, why);
        return "{\"time\":" + quote(Instant.ofEpochMilli(r.timeMillis()).toString()) + ",\"session\":" + r.session()
                + ",\"channel\":" + r.channel() + ",\"direction\":" + quote(r.inbound() ? "in" : "out")
                + ",\"kind\":" + quote(r.kind()) + ",\"type\":" + r.type() + ",\"codec\":" + quote(r.codec())
                + ",\"length\":" + r.length()
                + (message != null ? ",\"message\":" + message : "")
                + (message == null || hex ? ",\"payload\":" + hex(r) : "")
                + (why[0] != null ? ",\"unrendered\":" + quote(why[0]) : "") + "}";
    }

    /** The payload's first {@value #HEX_BYTES} bytes as hex. */
    private static String hex(TapRecord r) {
        MemorySegment p = r.payload();
        int shown = (int) Math.min(p.byteSize(), HEX_BYTES);
        StringBuilder hex = new StringBuilder(shown * 2);
        for (int i = 0; i < shown; i++) {
            hex.append(Character.forDigit((p.get(ValueLayout.JAVA_BYTE, i) >> 4) & 0xF, 16))
                    .append(Character.forDigit(p.get(ValueLayout.JAVA_BYTE, i) & 0xF, 16));
        }
        return "{\"hex\":" + quote(hex.toString()) + (shown < r.length() ? ",\"truncated\":true" : "") + "}";
    }
}
