package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.os.EventFd;
import dev.ipc4j.os.Fd;
import dev.ipc4j.os.UnixSocket;
import dev.ipc4j.testing.NoLeaks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The memory socket's decoder of peer records ({@link MemorySocket}), fuzzed with a fixed seed: a record that is not
 * exactly a valid one (size, descriptor count, magic, kind, segment, scope) is a protocol violation whose descriptors
 * are closed; a valid one is kept until a handle asks for it. Nothing else is thrown and no descriptor stays open.
 */
class MemorySocketFuzzTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @Test
    void everyRecordIsKeptOrAViolationAndNoDescriptorLeaks() throws Exception {
        SplittableRandom random = new SplittableRandom(44);
        int violations = 0;
        int kept = 0;
        try (EventFd rider = EventFd.create(); Arena arena = Arena.ofConfined()) {
            for (int i = 0; i < 3_000; i++) {
                UnixSocket[] pair = UnixSocket.recordPair();
                MemorySocket server = new MemorySocket(pair[0], true);
                try (UnixSocket client = pair[1]) {
                    MemorySegment record = arena.allocate(40);
                    int length = valid(record, random);
                    boolean mutated = random.nextInt(3) != 0;
                    if (mutated) {
                        length = mutate(record, length, random);
                    }
                    int riders = mutated && random.nextInt(4) == 0 ? random.nextInt(0, 3) : 1;
                    Fd[] fds = new Fd[riders];
                    java.util.Arrays.fill(fds, rider.fd());
                    if (length == 0) {
                        length = 1; // a record needs a byte for its descriptors to ride on
                    }
                    client.send(record, 0, length, false, fds);
                    server.drain();
                    if (server.violation() != null) {
                        violations++;
                    } else {
                        int scope = record.get(ValueLayout.JAVA_SHORT, 6);
                        int what = record.get(ValueLayout.JAVA_SHORT, 4);
                        int segment = record.get(ValueLayout.JAVA_INT, 8);
                        int generation = record.get(ValueLayout.JAVA_INT, 12);
                        Fd got = server.take(SessionHandle.Scope.values()[scope - 1], what, segment, generation);
                        assertNotNull(got);
                        got.close();
                        kept++;
                    }
                } finally {
                    server.close();
                }
            }
        }
        assertTrue(violations > 0 && kept > 0, violations + " violations, " + kept + " kept");
    }

    @Test
    void aValidRecordIsTakenOnceAndAnUnpostedOneIsAnIOException() throws Exception {
        UnixSocket[] pair = UnixSocket.recordPair();
        MemorySocket client = new MemorySocket(pair[0], false);
        MemorySocket server = new MemorySocket(pair[1], true);
        try (EventFd e = EventFd.create()) {
            client.post(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, 3, 7, 4096, e.fd());
            try (Fd got = server.take(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, 3, 7)) {
                assertEquals(e.fd().stat(), got.stat()); // the same eventfd, arrived as another descriptor
            }
            assertThrows(IOException.class, () -> server.take(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, 3, 7));
            client.post(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, 4, 1, 4096, e.fd());
            assertThrows(IOException.class, () -> server.take(SessionHandle.Scope.CLIENT_SESSION, MemorySocket.SEGMENT, 4, 2),
                    "another incarnation of the slot than the one posted");
            assertNull(server.violation());
        } finally {
            client.close();
            server.close();
        }
    }

    /** A valid record from a client: the client's session arena (scope 2), its control object or a segment. */
    private static int valid(MemorySegment r, SplittableRandom random) {
        boolean control = random.nextBoolean();
        r.set(ValueLayout.JAVA_INT, 0, MemorySocket.MAGIC);
        r.set(ValueLayout.JAVA_SHORT, 4, (short) (control ? MemorySocket.CONTROL : MemorySocket.SEGMENT));
        r.set(ValueLayout.JAVA_SHORT, 6, (short) (SessionHandle.Scope.CLIENT_SESSION.ordinal() + 1));
        r.set(ValueLayout.JAVA_INT, 8, control ? 0 : random.nextInt(0, 1000));
        r.set(ValueLayout.JAVA_INT, 12, 0);
        r.set(ValueLayout.JAVA_LONG, 16, 4096);
        return MemorySocket.RECORD;
    }

    private static int mutate(MemorySegment r, int length, SplittableRandom random) {
        switch (random.nextInt(3)) {
            case 0 -> {
                return random.nextInt(0, 40);
            }
            case 1 -> {
                for (int n = random.nextInt(1, 3); n > 0; n--) {
                    r.set(ValueLayout.JAVA_BYTE, random.nextInt(24), (byte) random.nextInt(256));
                }
            }
            default -> r.set(ValueLayout.JAVA_SHORT, 6, (short) random.nextInt(0, 5)); // any scope, the server's own too
        }
        return length;
    }
}
