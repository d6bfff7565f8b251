package dev.ipc4j.samples.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ipc4j.protobuf.InvalidProtobufException;
import dev.ipc4j.protobuf.ParseLimits;
import dev.ipc4j.protobuf.ProtobufJson;
import dev.ipc4j.protobuf.ShmProtobuf;
import dev.ipc4j.samples.protobuf.demo.Body;
import dev.ipc4j.samples.protobuf.demo.GetFileReq;
import dev.ipc4j.samples.protobuf.demo.GetFileRsp;
import dev.ipc4j.samples.protobuf.demo.Part;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Serializing into shared memory, parsing in place with aliasing, limits, large messages. */
class ShmProtobufTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    static final int PART_SIZE = 16 << 10;

    static ShmArena arena(ShmArena.Ownership ownership) throws IOException {
        return ShmArena.create(ShmArena.Config.of("pbtest", "a" + NEXT.incrementAndGet()).withSharing(ShmArena.Sharing.BY_NAME).withOwnership(ownership)
                .withSegmentSize(1 << 20).withLeakDetection(ShmArena.LeakDetection.ALL));
    }

    /** A response of {@code parts} parts whose data are {@code distinct} different 16 KiB strings, reused (cheap on heap). */
    static Body response(int parts, int distinct) {
        ByteString[] data = new ByteString[distinct];
        for (int d = 0; d < distinct; d++) {
            byte[] bytes = new byte[PART_SIZE];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 31 + d);
            }
            data[d] = UnsafeByteOperations.unsafeWrap(bytes);
        }
        GetFileRsp.Builder rsp = GetFileRsp.newBuilder();
        for (int i = 0; i < parts; i++) {
            ByteString bytes = data[i % distinct];
            rsp.addParts(Part.newBuilder().setSize(bytes.size()).setHash(i).setData(bytes));
        }
        return Body.newBuilder().setGetFileRsp(rsp).build();
    }

    @Test
    void aRequestIsWrittenIntoABlockAndParsedBack() throws Exception {
        try (ShmArena arena = arena(ShmArena.Ownership.SHARED)) {
            Body req = Body.newBuilder().setGetFileReq(GetFileReq.newBuilder().setName("a.bin").setSize(-1L)).build();
            try (ShmBlock block = ShmProtobuf.write(arena, req)) {
                assertEquals(req.getSerializedSize(), block.memory().byteSize());
                Body back = ShmProtobuf.parse(block.memory(), Body.parser());
                assertEquals(req, back);
                assertEquals("{\"getFileReq\":{\"name\":\"a.bin\",\"size\":18446744073709551615}}", ProtobufJson.render(back, 4));
            }
            assertEquals(0, arena.liveBytes());
        }
    }

    @Test
    void bytesFieldsAliasTheSharedMemoryEvenWhenItIsReadOnly() throws Exception {
        try (ShmArena arena = arena(ShmArena.Ownership.OWNED);
             ShmArena peer = ShmArena.attach(arena.name());
             ShmBlock block = ShmProtobuf.write(arena, response(4, 4));
             Lease lease = peer.borrow(arena.lend(block))) {
            assertTrue(lease.memory().isReadOnly(), "an OWNED arena's readers map it read-only");
            Body body = ShmProtobuf.parse(lease.memory(), Body.parser());
            ByteString data = body.getGetFileRsp().getParts(2).getData();
            ByteBuffer view = data.asReadOnlyByteBuffer();
            assertTrue(view.isDirect(), "an alias of the mapping, not a heap copy");
            MemorySegment seg = MemorySegment.ofBuffer(view);
            long start = lease.memory().address();
            assertTrue(seg.address() >= start && seg.address() + seg.byteSize() <= start + lease.memory().byteSize());
            // the writer changes the byte through its own mapping: the parsed message sees it
            byte before = data.byteAt(100);
            block.memory().set(ValueLayout.JAVA_BYTE, seg.address() - start + 100, (byte) (before + 1));
            assertEquals((byte) (before + 1), data.byteAt(100), "read in place, not copied");
            assertEquals(body.getGetFileRsp().getPartsCount(), 4);
            assertTrue(ProtobufJson.render(body, 2).endsWith("\"partsNotShown\":2}}"), ProtobufJson.render(body, 2));
        }
    }

    @Test
    void limitsAreEnforced() throws Exception {
        try (ShmArena arena = arena(ShmArena.Ownership.SHARED); ShmBlock block = ShmProtobuf.write(arena, response(3, 1))) {
            InvalidProtobufException big = assertThrows(InvalidProtobufException.class,
                    () -> ShmProtobuf.parse(block.memory(), Body.parser(), new ParseLimits(1000, 100)));
            assertTrue(big.getMessage().contains("limit"), big.getMessage());
            // Body > GetFileRsp > Part: three levels; a limit of 1 stops at the second
            assertThrows(InvalidProtobufException.class,
                    () -> ShmProtobuf.parse(block.memory(), Body.parser(), new ParseLimits(Integer.MAX_VALUE, 1)));
            assertEquals(3, ShmProtobuf.parse(block.memory(), Body.parser(), new ParseLimits(Integer.MAX_VALUE, 3))
                    .getGetFileRsp().getPartsCount());
        }
    }

    @Test
    void a64MiBResponse() throws Exception {
        large(4096);
    }

    @Test
    void a1GiBResponse() throws Exception {
        large(65_536);
    }

    private static void large(int parts) throws Exception {
        Body body = response(parts, 16);
        try (ShmArena arena = arena(ShmArena.Ownership.SHARED)) {
            long t0 = System.nanoTime();
            try (ShmBlock block = ShmProtobuf.write(arena, body)) {
                long t1 = System.nanoTime();
                Body back = ShmProtobuf.parse(block.memory().asReadOnly(), Body.parser());
                long t2 = System.nanoTime();
                assertEquals(parts, back.getGetFileRsp().getPartsCount());
                long total = 0;
                for (Part part : back.getGetFileRsp().getPartsList()) {
                    assertTrue(part.getData().asReadOnlyByteBuffer().isDirect());
                    total += part.getData().size();
                }
                assertEquals((long) parts * PART_SIZE, total);
                assertEquals(body.getGetFileRsp().getParts(parts - 1).getData(), back.getGetFileRsp().getParts(parts - 1).getData());
                System.out.printf("protobuf %d parts (%d MiB): serialize into SHM %d ms, parse aliased %d ms%n", parts,
                        block.memory().byteSize() >> 20, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
            }
            assertEquals(0, arena.liveBytes());
        }
    }
}
