package dev.ipc4j.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.SessionException;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import dev.ipc4j.transport.TransportException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, "every segment overwritten by a same-user process at any moment": a server process answers two client
 * sessions of this process with replies built in its session arenas; meanwhile this process, as a same-user attacker,
 * reopens the victim session's arena control object through /proc/PID/fd (the only part of an arena anyone but its
 * owner can map writable), and scribbles random words over it, millions of times. (A ring's memfd is closed by both
 * ends once mapped: no third process can reopen it; what the peer itself writes into a ring is RingCorruptionTest's.) The victim's requests may then fail,
 * but only with ipc4j's typed exceptions; the server process does not crash, and the other session's round trips stay
 * correct throughout and after.
 */
class ScribbledMemoryTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final Duration WAIT = JvmChild.TIMEOUT;
    private static final Duration SHORT = Duration.ofSeconds(2);
    private static final int SIZE = 100_000; // a reply in shared memory

    @TempDir
    Path runDir;

    @Test
    void scribblingOverOneSessionsArenaGivesThatSessionTypedErrorsOnlyAndCrashesNothing() throws Exception {
        try (JvmChild server = JvmChild.start(MessageChild.class, "server", runDir.toString())) {
            server.expect("STARTED");
            try (ClientSession victim = connect(); ClientSession bystander = connect();
                 MessageChannel<MemorySegment> v = MessageChannel.of(victim, 0, RawCodec.INSTANCE);
                 MessageChannel<MemorySegment> b = MessageChannel.of(bystander, 0, RawCodec.INSTANCE)) {
                assertTrue(echo(v, new SplittableRandom(1), WAIT)); // the server's session arena exists once it replied
                attack(server, v, b, List.of(controlObjectOf(server.pid(), victim.id())));
            }
            server.send("EXIT");
            server.expectSkipping("BYE", "ERROR 0 "); // the victim's channel reported its end there
        }
    }

    /**
     * Runs the victim's echoes on a thread of their own while this thread scribbles random words over {@code targets}
     * for 3 s, checking the bystander's echo after every 64 words; then checks what the victim saw, that the server
     * lives, and that the bystander goes on.
     */
    private static void attack(JvmChild server, MessageChannel<MemorySegment> v, MessageChannel<MemorySegment> b,
            List<Path> targets) throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        assertTrue(echo(v, random, WAIT));
        assertTrue(echo(b, random, WAIT));
        AtomicBoolean attacking = new AtomicBoolean(true);
        Map<String, AtomicLong> victimOutcomes = new ConcurrentHashMap<>();
        Thread victimLoop = Thread.ofPlatform().name("victim").start(() -> {
            SplittableRandom r = new SplittableRandom(7);
            while (attacking.get()) {
                String outcome;
                try {
                    outcome = echo(v, r, SHORT) ? "intact" : "bytes changed under the attack";
                } catch (MessageException | ShmException | SessionException | TransportException e) {
                    outcome = e.getClass().getSimpleName();
                } catch (Throwable e) {
                    outcome = "UNTYPED " + e;
                }
                victimOutcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
            }
        });
        long scribbles = 0;
        long bystanderTrips = 0;
        List<FileChannel> opened = new java.util.ArrayList<>();
        try {
            List<MemorySegment> maps = new java.util.ArrayList<>();
            for (Path target : targets) {
                FileChannel c = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE);
                opened.add(c);
                maps.add(MemorySegment.ofBuffer(c.map(FileChannel.MapMode.READ_WRITE, 0, c.size())));
            }
            long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
            while (System.nanoTime() < end) {
                for (int i = 0; i < 64; i++, scribbles++) {
                    MemorySegment m = maps.get(random.nextInt(maps.size()));
                    // Mostly the first pages (headers, positions, free-list heads, slots), where a lie harms most.
                    long at = (random.nextInt(4) == 0 ? random.nextLong(m.byteSize()) : random.nextLong(Math.min(8192, m.byteSize()))) & ~7L;
                    m.set(ValueLayout.JAVA_LONG, at, random.nextInt(3) == 0 ? 0 : random.nextLong());
                }
                assertTrue(echo(b, random, WAIT), "the other session's echo");
                bystanderTrips++;
            }
        } finally {
            attacking.set(false);
            victimLoop.join(WAIT.toMillis());
            for (FileChannel c : opened) {
                c.close();
            }
        }
        System.out.println("scribbled " + scribbles + " words over " + targets.size() + " objects; bystander round trips "
                + bystanderTrips + "; victim outcomes " + victimOutcomes);
        assertTrue(victimOutcomes.keySet().stream().noneMatch(k -> k.startsWith("UNTYPED")), victimOutcomes.toString());
        assertTrue(server.process().isAlive(), "the server process survived");
        for (int i = 0; i < 50; i++) {
            assertTrue(echo(b, random, WAIT), "the other session after the attack");
        }
    }

    private ClientSession connect() throws IOException {
        return ClientSession.connect(Types.WEB, Types.cache(runDir), ClientSession.Config.DEFAULT.withInitChannels(1));
    }

    /** One ECHO round trip of {@link #SIZE} random bytes; true when they came back unchanged. */
    private static boolean echo(MessageChannel<MemorySegment> ch, SplittableRandom random, Duration timeout) throws Exception {
        try (OutMessage out = ch.newMessage(SIZE, Types.ECHO)) {
            for (long at = 0; at + 8 <= SIZE; at += 8) {
                out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
            }
            long sent = Types.crc(out.payload());
            try (InMessage<MemorySegment> back = ch.request(out, timeout)) {
                return back.payload().byteSize() == SIZE && Types.crc(back.payload()) == sent;
            }
        }
    }

    /** The server's descriptor of the session arena control object of session {@code id}, as /proc/PID/fd shows it. */
    private static Path controlObjectOf(long pid, long id) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().matches("/memfd:ipc4j\\.cache\\." + pid + "\\.s" + id + "\\.ctl.*")) {
                        return fd;
                    }
                } catch (IOException closedMeanwhile) {
                    // gone between the listing and the look
                }
            }
        }
        throw new AssertionError("no session arena control object for session " + id + " in " + List.of(pid));
    }
}
