package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmHandle;
import dev.ipc4j.testing.JvmChild;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * A response built here is read by a second JVM through ShmArena.lend/borrow: only the handle (and the message's
 * offset in its block) cross, the reader verifies, walks and re-hashes every part in place.
 */
class CrossProcessTest {
    /** The reader: args arena name, handle hex, offset; prints "ok BYTES" or the error. */
    public static void main(String[] args) throws Exception {
        try (ShmArena arena = ShmArena.attach(args[0]);
             Lease lease = arena.borrow(ShmHandle.fromBytes(HexFormat.of().parseHex(args[1])))) {
            GetFileRsp rsp = (GetFileRsp) DemoMessages.readBody(lease.memory().asSlice(Integer.parseInt(args[2])))
                    .msg(new GetFileRsp());
            System.out.println("ok " + DemoMessages.checkParts(rsp) + " " + lease.memory().isReadOnly());
        } catch (InvalidFlatBufferException e) {
            System.out.println("invalid " + e.getMessage());
        }
    }

    private static String runReader(String... args) throws Exception {
        try (JvmChild child = JvmChild.start(CrossProcessTest.class, args)) {
            String line = child.expect("");
            assertEquals(0, child.awaitExit(), "the reader JVM finished");
            return line;
        }
    }

    @Test
    void anotherJvmReadsTheResponseInPlace() throws Exception {
        try (ShmArena arena = Arenas.create(ShmArena.Ownership.OWNED);
             FlatBufferMessage message = DemoMessages.getFileRsp(arena, 256, DemoMessages.PART_SIZE, Arenas::fill)) {
            String handle = HexFormat.of().formatHex(arena.lend(message.block()).toBytes());
            assertEquals("ok " + 256L * DemoMessages.PART_SIZE + " true",
                    runReader(arena.name(), handle, Integer.toString(message.offset())));
            // the same bytes read from the wrong place are a typed error in the reader, not a crash
            assertTrue(runReader(arena.name(), handle, "4").startsWith("invalid "));
        }
    }
}
