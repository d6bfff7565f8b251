package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.protobuf.ProtobufCodec;
import dev.ipc4j.pubsub.Gap;
import dev.ipc4j.pubsub.Sample;
import dev.ipc4j.pubsub.SampleHandler;
import dev.ipc4j.pubsub.Subscriber;
import dev.ipc4j.samples.flatbuffers.DemoCodec;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.tap.Tap;
import dev.ipc4j.tap.TapRecord;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ipc4j inspect} against a server in another JVM that opened its tap: valid JSON lines for the messages crossing
 * it both ways; an observer that never reads does not hold the server back (it skips, and is told how many); an app
 * the tap does not name cannot observe.
 */
class InspectCommandTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int SMALL = 100;
    private static final int LARGE = 8192;

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void inspectPrintsTheMessagesCrossingAServerAndAStalledObserverSlowsNothing(@TempDir Path runDir) throws Exception {
        try (JvmChild server = JvmChild.start(StatChild.class, runDir.toString(), "tap")) {
            server.expect("STARTED");
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong done = new AtomicLong();
            try (ClientSession session = ClientSession.connect(StatChild.WEB, StatChild.server(runDir),
                    dev.ipc4j.session.ClientSession.Config.DEFAULT.withInitChannels(1));
                 MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                Thread load = Thread.ofPlatform().name("inspect-load").start(() -> {
                    try {
                        for (long i = 0; !stop.get(); i++) {
                            int size = i % 4 == 3 ? LARGE : SMALL;
                            try (OutMessage out = ch.newMessage(size)) {
                                out.payload().fill((byte) 0x5A);
                                out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 0x0102030405060708L);
                                try (InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                                    assertEquals(size, rsp.payload().byteSize());
                                }
                            }
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                try {
                    Result r = run("inspect", "statsrv", "--run-dir", runDir.toString(), "--count", "40");
                    assertEquals(0, r.exit(), r.err());
                    List<String> lines = r.out().lines().filter(l -> !l.startsWith("{\"skipped\"")).toList();
                    assertEquals(40, lines.size(), r.out());
                    Set<String> directions = new java.util.HashSet<>();
                    for (String line : lines) {
                        Struct m = json(line);
                        String kind = m.getFieldsOrThrow("kind").getStringValue();
                        String direction = m.getFieldsOrThrow("direction").getStringValue();
                        directions.add(direction);
                        assertEquals(direction.equals("in") ? "REQUEST" : "RESPONSE", kind, line);
                        assertEquals(RawCodec.class.getName(), m.getFieldsOrThrow("codec").getStringValue());
                        double length = m.getFieldsOrThrow("length").getNumberValue();
                        assertTrue(length == SMALL || length == LARGE, line);
                        Struct payload = m.getFieldsOrThrow("payload").getStructValue();
                        String hex = payload.getFieldsOrThrow("hex").getStringValue();
                        assertEquals(2 * InspectCommand.HEX_BYTES, hex.length(), line);
                        assertTrue(hex.startsWith("0807060504030201" + "5a5a"), "the payload as it crossed: " + line);
                        assertTrue(payload.containsFields("truncated"), line);
                    }
                    assertEquals(Set.of("in", "out"), directions, "both ways");

                    // An observer that never reads: the server's round trips go on past its whole history, it skips.
                    try (ClientSession observer = ClientSession.connect(StatChild.INSPECT, StatChild.server(runDir));
                         Subscriber stalled = Subscriber.open(observer, Tap.TOPIC, Subscriber.Config.DEFAULT)) {
                        long before = done.get();
                        dev.ipc4j.testing.Eventually.await(() -> done.get() - before > 3 * 4096,
                                "three histories of round trips while an observer reads nothing", Duration.ofSeconds(90));
                        // Reading again, it is told what it missed: a gap (records overwritten), or a SKIPPED record
                        // (messages the tap did not record while it was a whole history behind).
                        long[] skipped = {0};
                        SampleHandler tell = new SampleHandler() {
                            @Override
                            public void onSample(Sample sample) {
                                TapRecord r = TapRecord.check(sample.memory());
                                if (r.kind().equals(Tap.SKIPPED)) {
                                    skipped[0] += r.length();
                                }
                            }

                            @Override
                            public void onGap(Gap gap) {
                                skipped[0] += gap.missed();
                            }
                        };
                        dev.ipc4j.testing.Eventually.await(() -> {
                            stalled.poll(tell, 256);
                            return skipped[0] > 0;
                        }, "the stalled observer, reading again, is told it skipped", Duration.ofSeconds(60));
                    }

                    Result refused = run("inspect", "statsrv", "--run-dir", runDir.toString(), "--count", "1", "--as", "statweb");
                    assertEquals(1, refused.exit(), refused.out());
                    assertTrue(refused.err().contains("lets no statweb observe"), refused.err());
                } finally {
                    stop.set(true);
                    load.join(WAIT.toMillis());
                }
            }
            server.send("EXIT");
            server.expect("BYE");
            assertEquals(0, server.awaitExit());
        }
    }

    /**
     * A message of each codec, as the channel's codec told the tap: FlatBuffers and protobuf rendered as JSON by the
     * schemas the server's codecs told (inspect has no generated class of either), raw as hex.
     */
    @Test
    void inspectRendersEachCodecsMessagesByTheSchemaItsCodecTold(@TempDir Path runDir) throws Exception {
        try (JvmChild server = JvmChild.start(StatChild.class, runDir.toString(), "tap")) {
            server.expect("STARTED");
            AtomicBoolean stop = new AtomicBoolean();
            try (ClientSession session = ClientSession.connect(StatChild.WEB, StatChild.server(runDir),
                    dev.ipc4j.session.ClientSession.Config.DEFAULT.withInitChannels(3));
                 MessageChannel<MemorySegment> raw = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                 MessageChannel<Body> flat = MessageChannel.of(session, 1, DemoCodec.VERIFIED);
                 MessageChannel<dev.ipc4j.samples.protobuf.demo.Body> proto = MessageChannel.of(session, 2,
                         dev.ipc4j.samples.protobuf.DemoCodec.BODY)) {
                Thread load = Thread.ofPlatform().name("inspect-load").start(() -> {
                    try {
                        while (!stop.get()) {
                            try (OutMessage q = raw.newMessage(16)) {
                                q.payload().fill((byte) 0x42);
                                raw.request(q, WAIT).close();
                            }
                            try (OutMessage q = DemoMessages.getFileReq(flat.session().arena(), "flat.bin", 7)
                                    .toOutMessage(BodyMsg.GetFileReq);
                                 InMessage<Body> rsp = flat.request(q, WAIT)) {
                                assertEquals(2, ((GetFileRsp) rsp.root().msg(new GetFileRsp())).partsLength());
                            }
                            dev.ipc4j.samples.protobuf.demo.Body q = dev.ipc4j.samples.protobuf.demo.Body.newBuilder()
                                    .setGetFileReq(dev.ipc4j.samples.protobuf.demo.GetFileReq.newBuilder()
                                            .setName("proto.bin").setSize(-1L)).build();
                            try (OutMessage out = ProtobufCodec.write(proto, q, q.getMsgCase().getNumber());
                                 InMessage<dev.ipc4j.samples.protobuf.demo.Body> rsp = proto.request(out, WAIT)) {
                                assertEquals(2, rsp.root().getGetFileRsp().getPartsCount());
                            }
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                try {
                    Result r = run("inspect", "statsrv", "--run-dir", runDir.toString(), "--count", "60");
                    assertEquals(0, r.exit(), r.err());
                    Set<String> seen = new java.util.HashSet<>();
                    for (String line : r.out().lines().filter(l -> !l.startsWith("{\"skipped\"")).toList()) {
                        Struct m = json(line);
                        String codec = m.getFieldsOrThrow("codec").getStringValue();
                        boolean in = m.getFieldsOrThrow("direction").getStringValue().equals("in");
                        if (codec.equals(RawCodec.class.getName())) {
                            assertTrue(m.getFieldsOrThrow("payload").getStructValue().getFieldsOrThrow("hex").getStringValue()
                                    .startsWith("4242"), line);
                            assertTrue(!m.containsFields("message") && !m.containsFields("unrendered"), line);
                            seen.add("raw");
                            continue;
                        }
                        assertTrue(m.containsFields("message"), "rendered by the schema its codec told: " + line);
                        assertTrue(!m.containsFields("payload"), "no bytes where there is a message: " + line);
                        Struct message = m.getFieldsOrThrow("message").getStructValue();
                        if (codec.equals(dev.ipc4j.flatbuffers.FlatBuffersCodec.class.getName())) {
                            // flatc's JSON, by demo.bfbs: the union as msg_type and msg
                            assertEquals(in ? "GetFileReq" : "GetFileRsp", message.getFieldsOrThrow("msg_type").getStringValue(), line);
                            Struct msg = message.getFieldsOrThrow("msg").getStructValue();
                            if (in) {
                                assertEquals("flat.bin", msg.getFieldsOrThrow("name").getStringValue(), line);
                                assertEquals(7, msg.getFieldsOrThrow("size").getNumberValue(), line);
                            } else {
                                Struct part = msg.getFieldsOrThrow("parts").getListValue().getValues(1).getStructValue();
                                assertEquals(StatChild.PART, part.getFieldsOrThrow("data").getStructValue()
                                        .getFieldsOrThrow("length").getNumberValue(), line);
                            }
                            seen.add("flatbuffers " + (in ? "in" : "out"));
                        } else {
                            assertEquals(ProtobufCodec.class.getName(), codec, line);
                            if (in) { // protobuf's JSON names, by the descriptors; uint64 unsigned
                                Struct req = message.getFieldsOrThrow("getFileReq").getStructValue();
                                assertEquals("proto.bin", req.getFieldsOrThrow("name").getStringValue(), line);
                                assertTrue(line.contains("\"size\":18446744073709551615"), line);
                            } else {
                                assertEquals(2, message.getFieldsOrThrow("getFileRsp").getStructValue()
                                        .getFieldsOrThrow("parts").getListValue().getValuesCount(), line);
                            }
                            seen.add("protobuf " + (in ? "in" : "out"));
                        }
                    }
                    assertEquals(Set.of("raw", "flatbuffers in", "flatbuffers out", "protobuf in", "protobuf out"), seen,
                            r.out());
                } finally {
                    stop.set(true);
                    load.join(WAIT.toMillis());
                }
            }
            server.send("EXIT");
            server.expect("BYE");
            assertEquals(0, server.awaitExit());
        }
    }

    private static Struct json(String line) throws java.io.IOException {
        Struct.Builder b = Struct.newBuilder();
        JsonFormat.parser().merge(line, b);
        return b.build();
    }
}
