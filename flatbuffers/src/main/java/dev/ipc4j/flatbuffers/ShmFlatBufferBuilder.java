package dev.ipc4j.flatbuffers;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * A {@link FlatBufferBuilder} whose buffer is a block of an {@link ShmArena}: the message is written once, straight
 * into shared memory, and handed over as a {@link FlatBufferMessage} (block + where the message sits in it).
 *
 * <p>Growth: when the builder runs out of room it asks for a buffer twice as large; we allocate a new block, the
 * builder copies what it has written to the end of it (FlatBuffers builds back to front) and hands the old buffer
 * back, and we free the old block. Give a good {@code initialCapacity} so large messages never grow: a 1 GiB message
 * built with a hint of its size is written exactly once.
 *
 * <p>Limit: FlatBuffers indexes its {@link ByteBuffer} with {@code int}, so a message is at most 2 GiB - 9 bytes; the
 * builder's doubling stops there and it fails with {@link AssertionError} ("cannot grow buffer beyond 2 gigabytes").
 *
 * <p>Not thread-safe, like {@link FlatBufferBuilder}. Close it to free the block if {@link #finish} was never called.
 */
public final class ShmFlatBufferBuilder implements AutoCloseable {
    /** The largest capacity a builder's buffer may have (ByteBuffer indices are ints; FlatBuffers' own cap). */
    public static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    private final ShmArena arena;
    private final BlockFactory factory = new BlockFactory();
    private final FlatBufferBuilder builder;
    private int growths;
    private boolean finished;

    private ShmFlatBufferBuilder(ShmArena arena, int initialCapacity) {
        this.arena = arena;
        this.builder = new FlatBufferBuilder(initialCapacity, factory);
    }

    /**
     * A builder writing into {@code arena}, starting with a block of {@code initialCapacity} bytes (at least 64).
     *
     * @throws IllegalArgumentException if the capacity is out of range or the arena is not writable here
     */
    public static ShmFlatBufferBuilder create(ShmArena arena, int initialCapacity) {
        if (!arena.isWritable()) {
            throw new IllegalArgumentException("this process may not write arena " + arena.name());
        }
        if (initialCapacity < 64 || initialCapacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("initial capacity " + initialCapacity + " not in [64, " + MAX_CAPACITY + "]");
        }
        return new ShmFlatBufferBuilder(arena, initialCapacity);
    }

    /**
     * A builder writing into the session arena of {@code channel}'s session, so the finished message can be sent on the
     * channel without a copy ({@link FlatBufferMessage#toOutMessage}).
     */
    public static ShmFlatBufferBuilder create(dev.ipc4j.message.MessageChannel<?> channel, int initialCapacity) {
        return create(channel.session().arena(), initialCapacity);
    }

    /** The builder to write the message with (generated {@code createX}/{@code startX} methods take it). */
    public FlatBufferBuilder builder() {
        return builder;
    }

    /** How many times the buffer was replaced by a larger one (each a copy of what was written so far). */
    public int growths() {
        return growths;
    }

    /**
     * Finishes the message with {@code root} as its root table and {@code fileIdentifier} (4 ASCII characters, or
     * null for none), and hands over the block: after this the builder owns nothing.
     */
    public FlatBufferMessage finish(int root, String fileIdentifier) {
        if (finished) {
            throw new IllegalStateException("already finished");
        }
        if (fileIdentifier == null) {
            builder.finish(root);
        } else {
            builder.finish(root, fileIdentifier);
        }
        finished = true;
        ByteBuffer data = builder.dataBuffer();
        ShmBlock block = factory.current;
        factory.current = null;
        factory.blocks.clear();
        return new FlatBufferMessage(block, data.position(), data.capacity() - data.position());
    }

    /** Frees the block unless {@link #finish} handed it over; idempotent. */
    @Override
    public void close() {
        finished = true;
        if (factory.current != null) {
            factory.current.close();
            factory.current = null;
        }
    }

    /** Blocks as the builder's buffers; remembers which block backs which buffer so growth can free the old one. */
    private final class BlockFactory extends FlatBufferBuilder.ByteBufferFactory {
        private final Map<ByteBuffer, ShmBlock> blocks = new IdentityHashMap<>(4);
        ShmBlock current;

        @Override
        public ByteBuffer newByteBuffer(int capacity) {
            if (current != null) {
                growths++;
            }
            ShmBlock block = arena.allocate(capacity);
            ByteBuffer buffer = block.memory().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            blocks.put(buffer, block);
            current = block;
            return buffer;
        }

        @Override
        public void releaseByteBuffer(ByteBuffer buffer) {
            ShmBlock block = blocks.remove(buffer);
            if (block != null && block != current) {
                block.close();
            }
        }
    }
}
