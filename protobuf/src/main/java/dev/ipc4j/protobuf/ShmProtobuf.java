package dev.ipc4j.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Protobuf messages as shared-memory payloads: serialized straight into an {@link ShmArena} block (no intermediate
 * {@code byte[]}) and parsed in place with aliasing, so {@code bytes} fields of the parsed message are views of the
 * shared memory, not copies.
 *
 * <p>Aliasing means the parsed message is only valid while the memory is: keep the {@link dev.ipc4j.shm.Lease} open
 * as long as the message (or any {@code ByteString} taken from it) is used. Scalars and strings are copied into the
 * message as usual; only {@code bytes} fields alias.
 *
 * <p>Limits: protobuf sizes are ints, so a message is at most 2 GiB - 1 bytes. Parsing in place needs protobuf-java's
 * direct-buffer decoder, which uses {@code sun.misc.Unsafe} (JDK 24+ prints a one-time deprecation warning; run with
 * {@code --sun-misc-unsafe-memory-access=allow} to silence it) and exists up to protobuf-java 4.33: without it,
 * protobuf copies the buffer to the heap first and bytes fields no longer alias (correct, but not zero-copy).
 */
public final class ShmProtobuf {
    private ShmProtobuf() {
    }

    /**
     * Serializes {@code message} into a new block of {@code arena}, exactly {@link MessageLite#getSerializedSize()}
     * bytes long: lend the block to the reader.
     */
    public static ShmBlock write(ShmArena arena, MessageLite message) {
        int size = message.getSerializedSize();
        ShmBlock block = arena.allocate(Math.max(size, 1));
        try {
            write(message, block.memory().asSlice(0, size));
            return block;
        } catch (RuntimeException e) {
            block.close();
            throw e;
        }
    }

    /**
     * Serializes {@code message} into {@code to}, which must be exactly its serialized size (e.g. a slice of a block
     * that also holds a header).
     */
    public static void write(MessageLite message, MemorySegment to) {
        if (to.byteSize() != message.getSerializedSize()) {
            throw new IllegalArgumentException(to.byteSize() + " bytes for a message of " + message.getSerializedSize());
        }
        CodedOutputStream out = CodedOutputStream.newInstance(to.asByteBuffer());
        try {
            message.writeTo(out);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // only when the size changed under us: the message was mutated meanwhile
        }
        out.checkNoSpaceLeft();
    }

    /** Parses {@code memory} (e.g. a {@link dev.ipc4j.shm.Lease}'s, read-only is fine) with {@link ParseLimits#DEFAULT}. */
    public static <T extends MessageLite> T parse(MemorySegment memory, Parser<T> parser) {
        return parse(memory, parser, ParseLimits.DEFAULT);
    }

    /**
     * Parses all of {@code memory} as one message, in place: {@code bytes} fields alias the memory.
     *
     * @throws InvalidProtobufException if the bytes are not a message of this type or break a limit
     */
    public static <T extends MessageLite> T parse(MemorySegment memory, Parser<T> parser, ParseLimits limits) {
        if (memory.byteSize() > limits.maxBytes()) {
            throw new InvalidProtobufException(memory.byteSize() + " bytes, more than the limit of " + limits.maxBytes(), null);
        }
        // Shared memory gives a direct buffer (read-only for a read-only mapping, which works the same). Wrapped as an
        // immutable ByteString, protobuf decodes it in place (UnsafeDirectNioDecoder) and, with aliasing, bytes fields
        // become slices of it. CodedInputStream.newInstance(ByteBuffer) would not alias: it marks the buffer mutable.
        ByteBuffer buffer = memory.asByteBuffer();
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(buffer).newCodedInput();
        in.enableAliasing(true);
        in.setRecursionLimit(limits.recursionLimit());
        in.setSizeLimit(limits.maxBytes());
        try {
            T message = parser.parseFrom(in, ExtensionRegistryLite.getEmptyRegistry());
            in.checkLastTagWas(0);
            return message;
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidProtobufException("not a valid message: " + e.getMessage(), e);
        } catch (IndexOutOfBoundsException | IllegalArgumentException | IllegalStateException | ClassCastException e) {
            // should not happen with protobuf's own checks; here so that nothing but the typed error escapes
            throw new InvalidProtobufException("unreadable message: " + e, e);
        }
    }
}
