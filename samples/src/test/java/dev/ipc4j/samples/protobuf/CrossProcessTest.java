package dev.ipc4j.samples.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ipc4j.protobuf.InvalidProtobufException;
import dev.ipc4j.protobuf.ShmProtobuf;
import dev.ipc4j.samples.protobuf.demo.Body;
import dev.ipc4j.samples.protobuf.demo.Part;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmHandle;
import dev.ipc4j.testing.JvmChild;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** A message written here is parsed by a second JVM from the borrowed (read-only) block, its bytes fields aliased. */
class CrossProcessTest {
    /** The reader: args arena name, handle hex; prints "ok PARTS BYTES ALIASED" or the error. */
    public static void main(String[] args) throws Exception {
        try (ShmArena arena = ShmArena.attach(args[0]);
             Lease lease = arena.borrow(ShmHandle.fromBytes(HexFormat.of().parseHex(args[1])))) {
            Body body = ShmProtobuf.parse(lease.memory(), Body.parser());
            long bytes = 0;
            boolean aliased = true;
            for (Part part : body.getGetFileRsp().getPartsList()) {
                bytes += part.getData().size();
                MemorySegment data = MemorySegment.ofBuffer(part.getData().asReadOnlyByteBuffer());
                aliased &= data.isNative() && data.address() >= lease.memory().address()
                        && data.address() + data.byteSize() <= lease.memory().address() + lease.memory().byteSize();
            }
            System.out.println("ok " + body.getGetFileRsp().getPartsCount() + " " + bytes + " " + aliased);
        } catch (InvalidProtobufException e) {
            System.out.println("invalid " + e.getMessage());
        }
    }

    @Test
    void anotherJvmParsesTheMessageInPlace() throws Exception {
        try (ShmArena arena = ShmProtobufTest.arena(ShmArena.Ownership.OWNED);
             ShmBlock block = ShmProtobuf.write(arena, ShmProtobufTest.response(64, 4))) {
            String handle = HexFormat.of().formatHex(arena.lend(block).toBytes());
            try (JvmChild child = JvmChild.start(CrossProcessTest.class, arena.name(), handle)) {
                assertEquals("ok 64 " + 64L * ShmProtobufTest.PART_SIZE + " true", child.expect(""));
                assertEquals(0, child.awaitExit(), "the reader JVM finished");
            }
        }
    }
}
