package dev.ipc4j.samples.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.flatbuffers.ShmFlatBufferBuilder;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Building in shared memory, reading in place, growth, large messages. */
class ShmFlatBuffersTest {
    @Test
    void aRequestIsBuiltInABlockAndReadInPlace() throws Exception {
        try (ShmArena arena = Arenas.create()) {
            try (FlatBufferMessage message = DemoMessages.getFileReq(arena, "a.bin", 1L << 30)) {
                assertEquals(message.block().memory().byteSize(), (long) message.offset() + message.length(),
                        "FlatBuffers builds back to front: the message ends where the block ends");
                Body body = DemoMessages.readBody(message.memory());
                assertEquals(BodyMsg.GetFileReq, body.msgType());
                GetFileReq req = (GetFileReq) body.msg(new GetFileReq());
                assertEquals("a.bin", req.name());
                assertEquals(1L << 30, req.size());
                assertEquals("{\"msg\":{\"GetFileReq\":{\"name\":\"a.bin\",\"size\":1073741824}}}", DemoJson.render(body, 4));
            }
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void aResponseIsReadThroughALeaseWithoutCopying() throws Exception {
        try (ShmArena arena = Arenas.create();
             ShmArena peer = ShmArena.attach(arena.name());
             FlatBufferMessage message = DemoMessages.getFileRsp(arena, 8, DemoMessages.PART_SIZE, Arenas::fill);
             Lease lease = peer.borrow(arena.lend(message.block()))) {
            // what a reader in another process gets: the lent block, read-only, with the message at its end
            MemorySegment memory = lease.memory().asReadOnly().asSlice(message.offset());
            Body body = DemoMessages.readBody(memory);
            GetFileRsp rsp = (GetFileRsp) body.msg(new GetFileRsp());
            assertEquals(8, rsp.partsLength());
            assertEquals(8L * DemoMessages.PART_SIZE, DemoMessages.checkParts(rsp));

            // the part data is a view of the shared memory: its address lies inside the block, and a change shows through
            Part part = rsp.parts(3);
            ByteBuffer data = part.dataAsByteBuffer();
            assertTrue(data.isDirect() && data.isReadOnly());
            MemorySegment view = MemorySegment.ofBuffer(data);
            long start = lease.memory().address();
            assertTrue(view.address() >= start && view.address() + view.byteSize() <= start + lease.memory().byteSize(),
                    "the part's bytes lie inside the reader's mapping of the block");
            long offsetInBlock = view.address() - start;
            // written through the writer's own mapping of the same block
            byte before = data.get(data.position());
            message.block().memory().set(ValueLayout.JAVA_BYTE, offsetInBlock, (byte) (before + 1));
            assertEquals((byte) (before + 1), part.dataAsByteBuffer().get(data.position()), "read in place, not a copy");
            InvalidFlatBufferException e = assertThrows(InvalidFlatBufferException.class, () -> DemoMessages.checkParts(rsp));
            assertTrue(e.getMessage().contains("part 3"), e.getMessage());
        }
    }

    @Test
    void growthMovesTheMessageToABiggerBlockAndFreesTheOldOnes() throws Exception {
        try (ShmArena arena = Arenas.create()) {
            int parts = 16;
            try (FlatBufferMessage message = DemoMessages.getFileRsp(arena, 256, parts, 1000, Arenas::fill)) {
                assertTrue(arena.liveBytes() < 2L * message.block().memory().byteSize(), "only the last block is live: " + arena.liveBytes());
                GetFileRsp rsp = (GetFileRsp) DemoMessages.readBody(message.memory()).msg(new GetFileRsp());
                assertEquals(parts * 1000L, DemoMessages.checkParts(rsp));
            }
            assertEquals(0, arena.liveBytes());
            try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, 64)) {
                shm.builder().createString("x".repeat(10_000));
                assertEquals(8, shm.growths(), "64 -> 128 -> ... -> 16384");
            }
            assertEquals(0, arena.liveBytes(), "closing an unfinished builder frees its block");
        }
    }

    @Test
    void aCapacityHintMeansNoGrowth() throws Exception {
        try (ShmArena arena = Arenas.create();
             ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, DemoMessages.responseCapacity(64, 1000))) {
            var b = shm.builder();
            int[] offsets = new int[64];
            for (int i = 0; i < 64; i++) {
                offsets[i] = Part.createPart(b, 1000, 0, b.createByteVector(new byte[1000]));
            }
            int rsp = GetFileRsp.createGetFileRsp(b, GetFileRsp.createPartsVector(b, offsets));
            try (FlatBufferMessage message = shm.finish(Body.createBody(b, BodyMsg.GetFileRsp, rsp), DemoVerifier.FILE_IDENTIFIER)) {
                assertEquals(0, shm.growths());
                DemoVerifier.verify(message.memory());
            }
        }
    }

    @Test
    void a64MiBResponseIsBuiltOnceAndVerified() throws Exception {
        large(4096);
    }

    /** Flow-IPC's 1 GiB message: 65,536 parts of 16 KiB, written once into one block, hashed and checked in place. */
    @Test
    void a1GiBResponseIsBuiltOnceAndVerified() throws Exception {
        large(65_536);
    }

    private static void large(int parts) throws Exception {
        try (ShmArena arena = Arenas.create()) {
            long t0 = System.nanoTime();
            try (FlatBufferMessage message = DemoMessages.getFileRsp(arena, parts, DemoMessages.PART_SIZE, Arenas::fill)) {
                long t1 = System.nanoTime();
                DemoVerifier.verify(message.memory());
                long t2 = System.nanoTime();
                GetFileRsp rsp = (GetFileRsp) DemoMessages.readBody(message.memory()).msg(new GetFileRsp());
                assertEquals((long) parts * DemoMessages.PART_SIZE, DemoMessages.checkParts(rsp));
                long t3 = System.nanoTime();
                assertTrue(message.length() > (long) parts * DemoMessages.PART_SIZE);
                assertNotEquals(0, rsp.parts(parts - 1).hash());
                System.out.printf("%d parts (%d MiB): build+hash %d ms, verify %d ms, read+rehash %d ms%n", parts,
                        message.length() >> 20, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000);
            }
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void aReadOnlyArenaCannotBuild() throws Exception {
        try (ShmArena arena = Arenas.create(ShmArena.Ownership.OWNED); ShmArena reader = ShmArena.attach(arena.name())) {
            assertThrows(IllegalArgumentException.class, () -> ShmFlatBufferBuilder.create(reader, 1024));
        }
    }
}
