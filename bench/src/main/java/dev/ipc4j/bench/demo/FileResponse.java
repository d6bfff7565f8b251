package dev.ipc4j.bench.demo;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.ShmFlatBufferBuilder;
import dev.ipc4j.samples.flatbuffers.DemoVerifier;
import dev.ipc4j.samples.flatbuffers.PartHash;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import dev.ipc4j.shm.ShmArena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The demo's FlatBuffers response, for both stacks: {@code Body{GetFileRsp{parts: [Part{size, hash, data}]}}}
 * (samples/src/main/fbs/demo.fbs) built straight into one block of an arena with {@link ShmFlatBufferBuilder}, sized
 * so that it never grows (1 GiB of parts is a 1.004 GiB FlatBuffer), 16 KiB parts of pseudo-random bytes (the last one
 * takes what is left), each hashed with XXH64 where it lies; and the check of every part against its hash.
 */
final class FileResponse {
    static final int PART_BYTES = 16 << 10;

    private FileResponse() {}

    /** Parts of a payload: 16 KiB each, the last one what is left. */
    static int partCount(long payloadBytes) {
        return (int) ((payloadBytes + PART_BYTES - 1) / PART_BYTES);
    }

    /**
     * Builds the response of {@code payloadBytes} in a block of {@code arena}; writing every byte faults its pages in.
     *
     * @param corruptPart test hook: flip a byte of this part after hashing it; -1 for none
     */
    static FlatBufferMessage build(ShmArena arena, long payloadBytes, int corruptPart) {
        int parts = partCount(payloadBytes);
        long capacity = (long) parts * (PART_BYTES + 64) + 4L * parts + 1024;
        if (capacity > ShmFlatBufferBuilder.MAX_CAPACITY) {
            throw new IllegalArgumentException("a FlatBuffer holds at most 2 GiB; " + payloadBytes + " bytes do not fit");
        }
        SplittableRandom random = new SplittableRandom(payloadBytes);
        try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, (int) capacity)) {
            FlatBufferBuilder b = shm.builder();
            int[] offsets = new int[parts];
            for (int i = parts - 1; i >= 0; i--) { // back to front, so the parts lie in order in memory
                int size = (int) Math.min(PART_BYTES, payloadBytes - (long) i * PART_BYTES);
                ByteBuffer data = b.createUnintializedVector(1, size, 1);
                MemorySegment bytes = MemorySegment.ofBuffer(data); // in the block: writing it faults the pages in
                long at = 0;
                for (; at + 8 <= size; at += 8) {
                    bytes.set(ValueLayout.JAVA_LONG_UNALIGNED, at, random.nextLong());
                }
                for (; at < size; at++) {
                    bytes.set(ValueLayout.JAVA_BYTE, at, (byte) random.nextInt());
                }
                long hash = PartHash.of(bytes);
                if (i == corruptPart) {
                    bytes.set(ValueLayout.JAVA_BYTE, size / 2, (byte) ~bytes.get(ValueLayout.JAVA_BYTE, size / 2));
                }
                offsets[i] = Part.createPart(b, size, hash, b.endVector());
            }
            int rsp = GetFileRsp.createGetFileRsp(b, GetFileRsp.createPartsVector(b, offsets));
            return shm.finish(Body.createBody(b, BodyMsg.GetFileRsp, rsp), DemoVerifier.FILE_IDENTIFIER);
        }
    }

    /**
     * Checks every part of a verified response against its size and hash, reading the data in place.
     *
     * @throws CorruptMessageException naming the first part that does not match
     */
    static void checkParts(GetFileRsp rsp) throws CorruptMessageException {
        Part part = new Part();
        int parts = rsp.partsLength();
        for (int i = 0; i < parts; i++) {
            rsp.parts(part, i);
            ByteBuffer data = part.dataAsByteBuffer();
            MemorySegment bytes = data == null ? MemorySegment.NULL : MemorySegment.ofBuffer(data);
            if (bytes.byteSize() != part.size()) {
                throw new CorruptMessageException("part " + i + " of " + parts + ": size " + part.size() + " but "
                        + bytes.byteSize() + " bytes");
            }
            if (PartHash.of(bytes) != part.hash()) {
                throw new CorruptMessageException("part " + i + " of " + parts + ": hash mismatch");
            }
        }
    }
}
