package dev.ipc4j.bench;

import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmHandle;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The shared-memory allocator's hot paths, single-threaded and uncontended: allocate + free of a small block (the
 * allocation-free id API and the {@link ShmBlock} API), and lend + borrow + close of a lease taken through a second
 * attachment of the arena (its own process slot, so the cross-process holder bit is set and cleared as for a peer).
 * Leak detection is off: its sampled stack traces are not part of the steady state.
 */
@State(Scope.Thread)
@BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ShmArenaBenchmark {
    private ShmArena arena;
    private ShmArena peer;
    private ShmBlock lent;
    private ShmHandle handle;
    private long lentId;
    private java.lang.foreign.Arena frames;
    private java.lang.foreign.MemorySegment frame;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = ShmArena.create(ShmArena.Config.of("bench", "jmh").withSharing(ShmArena.Sharing.BY_NAME).withSegmentSize(1 << 20)
                .withPrefault(true).withLeakDetection(ShmArena.LeakDetection.OFF));
        peer = ShmArena.attach(arena.name(), ShmArena.LeakDetection.OFF);
        lent = arena.allocate(1024);
        handle = arena.lend(lent);
        lentId = arena.allocateId(1024);
        frames = java.lang.foreign.Arena.ofConfined();
        frame = frames.allocate(ShmHandle.BYTES, 8);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        lent.close();
        arena.free(lentId);
        frames.close();
        peer.close();
        arena.close();
    }

    /** The allocation-free path: a 64-byte block by id, and back. */
    @Benchmark
    public long allocateFree64() {
        long id = arena.allocateId(64);
        arena.free(id);
        return id;
    }

    private final long[] ids = new long[BATCH];
    static final int BATCH = 16;

    /**
     * Sixteen 64-byte blocks allocated, then the sixteen freed: per operation one allocate and one free, with the
     * timer's own cost (~20-30 ns per sample in SampleTime mode) spread over sixteen of them.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long allocateFree64Batch() {
        for (int i = 0; i < BATCH; i++) {
            ids[i] = arena.allocateId(64);
        }
        for (int i = 0; i < BATCH; i++) {
            arena.free(ids[i]);
        }
        return ids[0];
    }

    /** The same through the {@link ShmBlock} object (a view and a block object per allocation). */
    @Benchmark
    public long allocateCloseBlock64() {
        try (ShmBlock block = arena.allocate(64)) {
            return block.memory().address();
        }
    }

    /** Lend a block (make its handle), borrow it in another attachment (holder bit set), close the lease (cleared). */
    @Benchmark
    public long lendBorrowClose() {
        ShmHandle h = arena.lend(lent);
        try (Lease lease = peer.borrow(h)) {
            return lease.memory().byteSize();
        }
    }

    /**
     * The allocation-free form: lend writes the serialized handle into a frame buffer, the other attachment borrows
     * from those bytes (holder bit set) and frees its hold (cleared).
     */
    @Benchmark
    public long lendBorrowFreeIds() {
        arena.lend(lentId, 1024, frame, 0);
        long id = peer.borrow(frame, 0);
        peer.free(id);
        return id;
    }

    /** Borrow + close of a handle already at hand (what a receiver pays per message). */
    @Benchmark
    public long borrowClose() {
        try (Lease lease = peer.borrow(handle)) {
            return lease.memory().byteSize();
        }
    }
}
