package dev.ipc4j.samples.flatbuffers;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.flatbuffers.ShmFlatBufferBuilder;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * The demo.fbs messages (Flow-IPC's benchmark shape) built in shared memory and read in place: what the demo and the
 * benchmarks use, and an example of how to use {@link ShmFlatBufferBuilder} for a schema of one's own.
 */
public final class DemoMessages {
    /** Flow-IPC's part size. */
    public static final int PART_SIZE = 16 << 10;
    /** Upper bound of what one Part costs besides its data: vtable (shared), table, size, hash, offsets, padding. */
    static final int PART_OVERHEAD = 64;

    private DemoMessages() {
    }

    /** Writes the bytes of one part, in place in shared memory. */
    @FunctionalInterface
    public interface PartWriter {
        void write(int index, MemorySegment part);
    }

    /**
     * A capacity for a GetFileRsp of {@code parts} parts of {@code partSize} bytes that the builder never has to grow
     * past; 65,536 parts of 16 KiB (1 GiB) need about 1.004 GiB.
     *
     * @throws IllegalArgumentException past FlatBuffers' 2 GiB
     */
    public static int responseCapacity(int parts, int partSize) {
        long bytes = (long) parts * (partSize + PART_OVERHEAD) + 4L * parts + 1024;
        if (bytes > ShmFlatBufferBuilder.MAX_CAPACITY) {
            throw new IllegalArgumentException(parts + " parts of " + partSize + " bytes exceed a FlatBuffer's 2 GiB");
        }
        return (int) bytes;
    }

    /** A Body holding GetFileReq{name, size}. */
    public static FlatBufferMessage getFileReq(ShmArena arena, String name, long size) {
        try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, 64 + 3 * name.length())) {
            FlatBufferBuilder b = shm.builder();
            int req = GetFileReq.createGetFileReq(b, b.createString(name), size);
            return shm.finish(Body.createBody(b, BodyMsg.GetFileReq, req), DemoVerifier.FILE_IDENTIFIER);
        }
    }

    /**
     * A Body holding GetFileRsp with {@code parts} parts of {@code partSize} bytes each, written by {@code writer}
     * straight into the message's block and hashed there ({@link PartHash}). Sized so that building never grows.
     */
    public static FlatBufferMessage getFileRsp(ShmArena arena, int parts, int partSize, PartWriter writer) {
        return getFileRsp(arena, responseCapacity(parts, partSize), parts, partSize, writer);
    }

    /** As {@link #getFileRsp(ShmArena, int, int, PartWriter)} with a given initial capacity (to see growth at work). */
    public static FlatBufferMessage getFileRsp(ShmArena arena, int initialCapacity, int parts, int partSize, PartWriter writer) {
        try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, initialCapacity)) {
            FlatBufferBuilder b = shm.builder();
            int[] offsets = new int[parts];
            for (int i = 0; i < parts; i++) {
                // FlatBuffers builds back to front; the data goes in first, then the table pointing at it
                ByteBuffer data = b.createUnintializedVector(1, partSize, 1);
                MemorySegment bytes = MemorySegment.ofBuffer(data);
                writer.write(i, bytes);
                long hash = PartHash.of(bytes);
                int vector = b.endVector();
                offsets[i] = Part.createPart(b, partSize, hash, vector);
            }
            int rsp = GetFileRsp.createGetFileRsp(b, GetFileRsp.createPartsVector(b, offsets));
            return shm.finish(Body.createBody(b, BodyMsg.GetFileRsp, rsp), DemoVerifier.FILE_IDENTIFIER);
        }
    }

    /**
     * The Body in {@code memory} (a whole finished buffer, e.g. {@link dev.ipc4j.shm.Lease#memory()}), verified, as a
     * view of that memory: nothing is copied. Accessors on it should still run inside {@link FlatBufferReader#read}
     * when a SHARED arena's peer could change the bytes after verification.
     *
     * @throws InvalidFlatBufferException if the memory does not hold a valid Body
     */
    public static Body readBody(MemorySegment memory) {
        DemoVerifier.verify(memory);
        return FlatBufferReader.read(() -> Body.getRootAsBody(FlatBufferReader.view(memory)));
    }

    /**
     * Checks every part of a response against its hash, reading the data in place; returns the total bytes checked.
     *
     * @throws InvalidFlatBufferException at the first part whose data does not match its size or hash
     */
    public static long checkParts(GetFileRsp rsp) {
        return FlatBufferReader.read(() -> {
            Part part = new Part();
            long total = 0;
            for (int i = 0, n = rsp.partsLength(); i < n; i++) {
                rsp.parts(part, i);
                ByteBuffer data = part.dataAsByteBuffer();
                MemorySegment bytes = data == null ? MemorySegment.NULL : MemorySegment.ofBuffer(data);
                if (bytes.byteSize() != part.size() || PartHash.of(bytes) != part.hash()) {
                    throw new InvalidFlatBufferException("part " + i + ": size or hash does not match its data", -1);
                }
                total += bytes.byteSize();
            }
            return total;
        });
    }
}
