package dev.ipc4j.bench.demo;

import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmException;
import dev.ipc4j.shm.ShmHandle;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The zero-copy path on the shm layer alone: the server builds the response ({@link PartsLayout}: header, part table,
 * parts) in one block of an OWNED {@link ShmArena} (the client maps it read-only, so it cannot corrupt the server's
 * data) and lends it with the allocation-free {@link ShmArena#lend(long, long, MemorySegment, long)}; the client takes
 * a hold with {@link ShmArena#borrow(MemorySegment, long)} and reads the header in place.
 *
 * <p>Segments are 1 GiB (the largest the arena allows), so every payload up to 1 GiB is a regular block: the client
 * maps each segment once and keeps it mapped, and a round trip costs no mmap. A larger payload gets a segment of its
 * own, which the arena maps on each borrow and unmaps when the last hold in the process ends (see ShmArena).
 */
public final class RawShmDemo implements ZeroCopyMode {
    static final long SEGMENT_BYTES = 1L << 30;
    /** Where the lent length sits in a serialized handle (docs/wire-format.md, ShmHandle: MAGIC, SEGMENT_ID, OFFSET, LENGTH). */
    static final long HANDLE_LENGTH_AT = 16;

    @Override
    public String name() {
        return "raw-shm";
    }

    @Override
    public String description() {
        return "raw parts layout (header, part table, 16 KiB parts) in an OWNED ShmArena block; a 32-byte ShmHandle crosses";
    }

    @Override
    public Server openServer(String app) throws IOException {
        ShmArena arena = ShmArena.create(ShmArena.Config.of(app, "demo").withSharing(ShmArena.Sharing.BY_NAME).withOwnership(ShmArena.Ownership.OWNED)
                .withSegmentSize(SEGMENT_BYTES).withLeakDetection(ShmArena.LeakDetection.OFF));
        return new RawServer(arena);
    }

    @Override
    public Client openClient(String attachInfo) throws IOException {
        return new RawClient(ShmArena.attach(attachInfo, ShmArena.LeakDetection.OFF));
    }

    private static final class RawServer extends ArenaSide implements Server {
        private long id = -1;
        private long bytes;

        RawServer(ShmArena arena) {
            super(arena);
        }

        @Override
        public String attachInfo() {
            return arena.name();
        }

        @Override
        public void build(long payloadBytes, int corruptPart) throws IOException {
            release();
            long block = arena.allocateId(payloadBytes);
            try {
                MemorySegment message = arena.memory(block, payloadBytes);
                // Writing every byte also faults every page in: the timed round trips find the memory ready.
                PartsLayout.build(message, payloadBytes);
                if (corruptPart >= 0) {
                    PartsLayout.corrupt(message, corruptPart);
                }
            } catch (RuntimeException e) {
                arena.free(block);
                throw e;
            }
            id = block;
            bytes = payloadBytes;
        }

        @Override
        public int handleBytes() {
            return ShmHandle.BYTES;
        }

        @Override
        public void lend(MemorySegment to, long at) {
            // The server keeps its own hold for as long as the response is lent, so every borrow finds the block alive.
            arena.lend(id, bytes, to, at);
        }

        @Override
        public void release() {
            if (id != -1) {
                arena.free(id);
                id = -1;
            }
        }
    }

    private static final class RawClient extends ArenaSide implements Client {
        private MemorySegment message;

        RawClient(ShmArena arena) {
            super(arena);
        }

        @Override
        public int receiveRoot(MemorySegment from, long at, int length) throws CorruptMessageException {
            if (length != ShmHandle.BYTES) {
                throw new CorruptMessageException("a reply of " + length + " bytes, expected a " + ShmHandle.BYTES + "-byte handle");
            }
            long block;
            try {
                block = arena.borrow(from, at);
            } catch (ShmException e) {
                throw new CorruptMessageException("the handle does not name a live block: " + e.getMessage());
            }
            held = block;
            try {
                message = arena.memory(block, from.get(ValueLayout.JAVA_LONG_UNALIGNED, at + HANDLE_LENGTH_AT));
                return PartsLayout.readRoot(message);
            } catch (CorruptMessageException | RuntimeException e) {
                release();
                throw e;
            }
        }

        @Override
        public void verify() throws CorruptMessageException {
            if (held == -1) {
                throw new IllegalStateException("no response held");
            }
            PartsLayout.verify(message);
        }

        @Override
        public void release() {
            message = null;
            freeHeld();
        }
    }
}
