package dev.ipc4j.flatbuffers;

import java.lang.foreign.MemorySegment;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * Reading FlatBuffers in place: a {@link ByteBuffer} view of shared memory (no copy; read-only when the memory is,
 * e.g. a {@link dev.ipc4j.shm.Lease} of an OWNED arena) for the generated {@code getRootAsX}, and a guard that turns
 * whatever an accessor trips over into {@link InvalidFlatBufferException}.
 *
 * <p>Verify first (a schema's verifier, written with {@link FlatBufferVerifier}); the guard is the second line, for accessors a verifier cannot foresee and
 * for memory a SHARED arena's peer changes after verification.
 */
public final class FlatBufferReader {
    private FlatBufferReader() {
    }

    /**
     * A little-endian ByteBuffer over {@code memory}, the bytes of one finished FlatBuffer, without copying.
     *
     * @throws InvalidFlatBufferException if the memory is larger than a ByteBuffer can address (2 GiB)
     */
    public static ByteBuffer view(MemorySegment memory) {
        if (memory.byteSize() > ShmFlatBufferBuilder.MAX_CAPACITY) {
            throw new InvalidFlatBufferException("a FlatBuffer is at most 2 GiB, this one has " + memory.byteSize() + " bytes", -1);
        }
        return memory.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Runs {@code access} (generated accessors on a buffer from elsewhere) and turns the runtime exceptions they throw
     * on bad data into {@link InvalidFlatBufferException}.
     */
    public static <T> T read(Supplier<T> access) {
        try {
            return access.get();
        } catch (IndexOutOfBoundsException | BufferUnderflowException | IllegalArgumentException
                 | IllegalStateException | NegativeArraySizeException | ArithmeticException e) {
            // IllegalArgumentException: bad UTF-8 from Utf8Safe, negative positions; IllegalStateException: a closed lease
            throw new InvalidFlatBufferException("unreadable FlatBuffer: " + e, e);
        }
    }
}
