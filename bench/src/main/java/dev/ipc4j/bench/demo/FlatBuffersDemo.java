package dev.ipc4j.bench.demo;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.samples.flatbuffers.DemoVerifier;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.shm.ShmHandle;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The raw-transport stack's zero-copy path with a structured message ({@code --stack transport}, the default
 * {@code --zero-copy} there): the server builds the demo's FlatBuffers response ({@link FileResponse}) straight into a
 * block of an OWNED {@link ShmArena} and lends it itself, below the session and message layers. The handle that
 * crosses is 40 bytes:
 *
 * <pre>
 *  0                    32              36        40
 *  +--------------------+---------------+---------+
 *  | ShmHandle (block)  | u32 FB offset | 0       |   FB offset: where the FlatBuffer starts in the lent block
 *  +--------------------+---------------+---------+   (FlatBuffers build back to front, so it ends the block)
 * </pre>
 *
 * <p>Inside the clock the client borrows the block and takes the root: the root offset, the union type and the parts
 * vector's length, each read through bounds-checked buffers (a lie gives a typed error, never a stray read). After the
 * clock it runs the full verifier over the whole buffer (every table, vector and offset) and checks every part's hash.
 * Segments are 2 GiB so that a 1 GiB message (1.004 GiB with its tables) is a regular block the client keeps mapped.
 */
public final class FlatBuffersDemo implements ZeroCopyMode {
    static final long SEGMENT_BYTES = 2L << 30;
    static final int HANDLE_BYTES = ShmHandle.BYTES + 8;
    private static final long LENGTH_AT = 16; // ShmHandle: MAGIC, SEGMENT_ID, OFFSET, LENGTH (docs/wire-format.md)

    @Override
    public String name() {
        return "flatbuffers";
    }

    @Override
    public String description() {
        return "FlatBuffers Body{GetFileRsp{parts}} built in an OWNED ShmArena block, verified after the clock;"
                + " a 40-byte handle crosses";
    }

    @Override
    public Server openServer(String app) throws IOException {
        return new FbServer(ShmArena.create(ShmArena.Config.of(app, "demofb").withSharing(ShmArena.Sharing.BY_NAME).withOwnership(ShmArena.Ownership.OWNED)
                .withSegmentSize(SEGMENT_BYTES).withLeakDetection(ShmArena.LeakDetection.OFF)));
    }

    @Override
    public Client openClient(String attachInfo) throws IOException {
        return new FbClient(ShmArena.attach(attachInfo, ShmArena.LeakDetection.OFF));
    }

    private static final class FbServer extends ArenaSide implements Server {
        private FlatBufferMessage message;
        private ShmHandle handle;

        FbServer(ShmArena arena) {
            super(arena);
        }

        @Override
        public String attachInfo() {
            return arena.name();
        }

        @Override
        public void build(long payloadBytes, int corruptPart) {
            release();
            message = FileResponse.build(arena, payloadBytes, corruptPart);
            handle = arena.lend(message.block());
        }

        @Override
        public int handleBytes() {
            return HANDLE_BYTES;
        }

        @Override
        public void lend(MemorySegment to, long at) {
            handle.writeTo(to, at); // the server keeps the block while it lends it, so every borrow finds it alive
            to.set(ValueLayout.JAVA_INT_UNALIGNED, at + ShmHandle.BYTES, message.offset());
            to.set(ValueLayout.JAVA_INT_UNALIGNED, at + ShmHandle.BYTES + 4, 0);
        }

        @Override
        public void release() {
            if (message != null) {
                message.close();
                message = null;
                handle = null;
            }
        }
    }

    private static final class FbClient extends ArenaSide implements Client {
        private final GetFileRsp rsp = new GetFileRsp();
        private MemorySegment buffer;

        FbClient(ShmArena arena) {
            super(arena);
        }

        @Override
        public int receiveRoot(MemorySegment from, long at, int length) throws CorruptMessageException {
            if (length != HANDLE_BYTES) {
                throw new CorruptMessageException("a reply of " + length + " bytes, expected a " + HANDLE_BYTES + "-byte handle");
            }
            try {
                held = arena.borrow(from, at);
            } catch (ShmException e) {
                throw new CorruptMessageException("the handle does not name a live block: " + e.getMessage());
            }
            try {
                long lent = from.get(ValueLayout.JAVA_LONG_UNALIGNED, at + LENGTH_AT);
                long offset = Integer.toUnsignedLong(from.get(ValueLayout.JAVA_INT_UNALIGNED, at + ShmHandle.BYTES));
                if (offset >= lent) {
                    throw new CorruptMessageException("FlatBuffer offset " + offset + " outside the lent " + lent + " bytes");
                }
                buffer = arena.memory(held, lent).asSlice(offset);
                return FlatBufferReader.read(() -> {
                    Body body = Body.getRootAsBody(FlatBufferReader.view(buffer));
                    if (body.msgType() != BodyMsg.GetFileRsp || body.msg(rsp) == null) {
                        throw new InvalidFlatBufferException("the root is not a GetFileRsp", -1);
                    }
                    return rsp.partsLength();
                });
            } catch (CorruptMessageException e) {
                release();
                throw e;
            } catch (InvalidFlatBufferException | IndexOutOfBoundsException | IllegalArgumentException e) {
                release();
                throw new CorruptMessageException("unreadable response: " + e.getMessage());
            }
        }

        @Override
        public void verify() throws CorruptMessageException {
            if (held == -1) {
                throw new IllegalStateException("no response held");
            }
            try {
                DemoVerifier.verify(buffer);
            } catch (InvalidFlatBufferException e) {
                throw new CorruptMessageException("the response does not verify: " + e.getMessage());
            }
            FileResponse.checkParts(rsp);
        }

        @Override
        public void release() {
            buffer = null;
            freeHeld();
        }
    }
}
