package dev.ipc4j.bench.demo;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@link ZeroCopyMode} contract on every implementation, both sides in this JVM (the cross-process path is
 * {@link DemoEndToEndTest}'s): a lent handle gives the root, the parts verify, holds are given back, and nothing stays
 * in /dev/shm.
 */
class ZeroCopyModeContractTest {
    static List<String> modes() {
        return ZeroCopyModes.names();
    }

    @ParameterizedTest
    @MethodSource("modes")
    void aLentResponseIsBorrowedReadAndVerifiedAgainAndAgain(String name) throws Exception {
        ZeroCopyMode mode = ZeroCopyModes.named(name);
        try (Arena arena = Arena.ofConfined(); ZeroCopyMode.Server server = mode.openServer("demotest")) {
            MemorySegment reply = arena.allocate(server.handleBytes());
            try (ZeroCopyMode.Client client = mode.openClient(server.attachInfo())) {
                server.build(1 << 20, -1);
                for (int i = 0; i < 3; i++) {
                    server.lend(reply, 0);
                    assertEquals(PartsLayout.partCount(1 << 20), client.receiveRoot(reply, 0, server.handleBytes()));
                    assertDoesNotThrow(client::verify);
                    client.release();
                }
                client.release(); // nothing held: a no-op
                server.release();
            }
            assertTrue(shmObjects(server.attachInfo()).size() > 0, "the arena lives while its server is open");
        }
        assertEquals(List.of(), shmObjects("ipc4j.demotest."), "the server's close removes every name");
    }

    @ParameterizedTest
    @MethodSource("modes")
    void aCorruptedPartIsCaughtByVerifyNotByTheRootRead(String name) throws Exception {
        ZeroCopyMode mode = ZeroCopyModes.named(name);
        try (Arena arena = Arena.ofConfined(); ZeroCopyMode.Server server = mode.openServer("demotest");
                ZeroCopyMode.Client client = mode.openClient(server.attachInfo())) {
            MemorySegment reply = arena.allocate(server.handleBytes());
            server.build(100 << 10, 5);
            server.lend(reply, 0);
            assertEquals(7, client.receiveRoot(reply, 0, server.handleBytes()), "the root is intact");
            CorruptMessageException e = assertThrows(CorruptMessageException.class, client::verify);
            assertTrue(e.getMessage().startsWith("part 5 of 7: hash mismatch"), e.getMessage());
            client.release();
        }
    }

    @ParameterizedTest
    @MethodSource("modes")
    void aHandleOfTheWrongSizeOrToAReleasedResponseIsRefused(String name) throws Exception {
        ZeroCopyMode mode = ZeroCopyModes.named(name);
        try (Arena arena = Arena.ofConfined(); ZeroCopyMode.Server server = mode.openServer("demotest");
                ZeroCopyMode.Client client = mode.openClient(server.attachInfo())) {
            MemorySegment reply = arena.allocate(server.handleBytes());
            server.build(100 << 10, -1);
            server.lend(reply, 0);
            assertThrows(CorruptMessageException.class, () -> client.receiveRoot(reply, 0, 24));
            server.release(); // the block goes back to the arena: the handle is stale now
            CorruptMessageException e = assertThrows(CorruptMessageException.class, () -> client.receiveRoot(reply, 0, server.handleBytes()));
            assertTrue(e.getMessage().startsWith("the handle does not name a live block"), e.getMessage());
            assertThrows(IllegalStateException.class, client::verify, "nothing held");
        }
    }

    private static List<String> shmObjects(String prefix) throws IOException {
        try (Stream<Path> files = Files.list(Path.of("/dev/shm"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix)).toList();
        }
    }
}
