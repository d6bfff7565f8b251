package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ipc4j stat} against a server in another JVM under load: its counters move while it runs and agree with what
 * this process sent and received once the load stops.
 */
class StatCommandTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** 100 bytes go inline in the frame; 8 KiB as a handle to the client's session arena. */
    private static final int SMALL = 100;
    private static final int LARGE = 8192;

    private static String stat(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertEquals(0, exit, out + "\n" + err);
        return out.toString();
    }

    @Test
    void aServerUnderLoadShowsMovingCountersThatAgreeWithWhatCrossed(@TempDir Path runDir) throws Exception {
        try (JvmChild server = JvmChild.start(StatChild.class, runDir.toString())) {
            server.expect("STARTED");
            AtomicLong small = new AtomicLong();
            AtomicLong large = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            try (ClientSession session = ClientSession.connect(StatChild.WEB, StatChild.server(runDir),
                    ClientSession.Config.DEFAULT.withInitChannels(1));
                 MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                Thread load = Thread.ofPlatform().name("stat-load").start(() -> {
                    try {
                        for (long i = 0; !stop.get(); i++) {
                            boolean big = i % 4 == 3;
                            try (OutMessage out = ch.newMessage(big ? LARGE : SMALL);
                                 InMessage<MemorySegment> rsp = ch.request(out, WAIT)) {
                                assertEquals(out.length(), rsp.payload().byteSize());
                            }
                            (big ? large : small).incrementAndGet();
                        }
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                String app = "statsrv";
                // The server's channel (and its counters record) exists once a round trip came back: stat before
                // that can find the session without its channel.
                dev.ipc4j.testing.Eventually.await(() -> small.get() + large.get() > 0, "a first round trip", WAIT);
                // Under load: three reads 300 ms apart, each of the child's process; its messages in keep rising.
                List<Long> seen = new ArrayList<>();
                List<String> lines = stat("stat", app, "--json", "--count", "3", "--interval", "300").lines().toList();
                assertEquals(3, lines.size(), String.join("\n", lines));
                for (String line : lines) {
                    assertTrue(line.contains("\"pid\":" + server.pid()), line);
                    seen.add(channelValue(line, "messagesIn"));
                }
                assertTrue(seen.get(0) < seen.get(1) && seen.get(1) < seen.get(2), "messagesIn under load: " + seen);
                assertTrue(rate(lines.get(2), "messagesIn") > 0, lines.get(2));
                assertTrue(lines.get(0).indexOf("\"rates\"") < 0, "no rate without an earlier read: " + lines.get(0));

                stop.set(true);
                load.join(WAIT.toMillis());
                long n = small.get() + large.get();
                long bytes = small.get() * SMALL + large.get() * LARGE;
                String still = stat("stat", app, "--json");
                assertEquals(n, channelValue(still, "messagesIn"), still);
                assertEquals(n, channelValue(still, "messagesOut"), still);
                assertEquals(bytes, channelValue(still, "bytesIn"), still);
                assertEquals(bytes, channelValue(still, "bytesOut"), still);
                assertEquals(large.get(), channelValue(still, "borrowedIn"), "8 KiB requests came as handles: " + still);
                assertEquals(large.get(), channelValue(still, "lentOut"), "8 KiB echoes went as handles: " + still);
                assertEquals(0, channelValue(still, "callsOpen"), still);
                assertEquals(1, value(still, "server", "sessions"), still);
                assertEquals(1, value(still, "session", "peerAlive"), still);
                assertTrue(value(still, "arena", "allocations") >= large.get(), still);
                // This process's own counters, the client's side: the mirror image.
                String client = stat("stat", "statweb", "--json");
                assertEquals(n, channelValue(client, "messagesOut"), client);
                assertEquals(n, channelValue(client, "messagesIn"), client);
                assertEquals(bytes, channelValue(client, "bytesOut"), client);
            }
            server.send("EXIT");
            server.expect("BYE");
            assertEquals(0, server.awaitExit());
        }
        // Every session closed: the test process keeps no counters file (the leak check sees its descriptors too).
        assertEquals("{\"processes\":[]}", stat("stat", "statweb", "--json").replaceAll("\"time\":[0-9]+,", "").trim());
    }

    private static long channelValue(String json, String key) {
        return value(json, "channel", key);
    }

    /** {@code key}'s value in the one record of {@code type} in a one-process JSON line. */
    private static long value(String json, String type, String key) {
        Matcher m = Pattern.compile("\"type\":\"" + type + "\".*?\"values\":\\{[^}]*\"" + Pattern.quote(key) + "\":(-?[0-9]+)")
                .matcher(json);
        assertTrue(m.find(), type + " " + key + " in " + json);
        long v = Long.parseLong(m.group(1));
        assertTrue(!m.find(), "one " + type + " record in " + json);
        return v;
    }

    private static double rate(String json, String key) {
        Matcher m = Pattern.compile("\"type\":\"channel\".*?\"rates\":\\{[^}]*\"" + key + "\":([0-9.]+)").matcher(json);
        assertTrue(m.find(), "channel rate " + key + " in " + json);
        return Double.parseDouble(m.group(1));
    }
}
