package dev.ipc4j.flatbuffers;

import dev.ipc4j.message.OutMessage;
import dev.ipc4j.shm.ShmBlock;
import java.lang.foreign.MemorySegment;

/**
 * A finished FlatBuffer in a shared-memory block. FlatBuffers builds back to front, so the message is the last
 * {@code length} bytes of the buffer the builder used: it starts at {@code offset} of the block, not at 0. Lend the
 * block (or just the slice, see {@link #memory()}) to another process; closing this closes the block.
 *
 * @param block the block holding the message; owned by this record
 * @param offset where the message starts in the block
 * @param length the message's size in bytes
 */
public record FlatBufferMessage(ShmBlock block, int offset, int length) implements AutoCloseable {
    public FlatBufferMessage {
        if (offset < 0 || length < 0 || (long) offset + length > block.memory().byteSize()) {
            throw new IllegalArgumentException("message [" + offset + ", +" + length + ") outside " + block);
        }
    }

    /** The message's bytes, in place: what a reader passes to {@link FlatBufferReader}. */
    public MemorySegment memory() {
        return block.memory().asSlice(offset, length);
    }

    /**
     * This message as an {@link OutMessage} of routing type {@code type} (for a union root, the union type it holds),
     * to send on a {@link dev.ipc4j.message.MessageChannel} of the session whose arena holds the block (build it with
     * {@link ShmFlatBufferBuilder#create(dev.ipc4j.message.MessageChannel, int)}): the block is adopted, not copied, and
     * only its handle crosses. The OutMessage owns the block from now on: close it, not this record (closing both is
     * harmless, the block's close is idempotent).
     */
    public OutMessage toOutMessage(int type) {
        return OutMessage.adopt(block, offset, length, type);
    }

    @Override
    public void close() {
        block.close();
    }
}
