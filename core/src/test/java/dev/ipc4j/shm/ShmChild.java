package dev.ipc4j.shm;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/** The other process of the shm tests; {@code args[0]} names the scenario, {@code args[1]} the arena. */
public final class ShmChild {
    static final HexFormat HEX = HexFormat.of();

    private ShmChild() {}

    static String hex(ShmHandle handle) {
        return HEX.formatHex(handle.toBytes());
    }

    static ShmHandle unhex(String text) {
        return ShmHandle.fromBytes(HEX.parseHex(text));
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("create")) {
            create();
            return;
        }
        try (ShmArena arena = ShmArena.attach(args[1], ShmArena.LeakDetection.OFF)) {
            say("ATTACHED");
            switch (args[0]) {
                case "huge" -> huge(arena);
                case "hold" -> hold(arena);
                case "forge" -> forge(arena);
                case "owned" -> owned(arena);
                case "churn" -> churnUntilStopped(arena);
                default -> throw new IllegalArgumentException(args[0]);
            }
        }
    }

    /** Creates an arena of its own with a block in it, then waits to be killed: leftovers for the sweeper. */
    private static void create() throws Exception {
        ShmArena arena = ShmArena.create(ShmArena.Config.of("orphan", "left").withSharing(ShmArena.Sharing.BY_NAME).withSegmentSize(64 << 10));
        arena.allocate(100);
        say("CREATED " + arena.name());
        hear(); // killed while waiting here
    }

    /** Borrows the parent's huge block, checks every page's stamp in place, holds it until told to close. */
    private static void huge(ShmArena arena) {
        try (Lease lease = arena.borrow(unhex(hear()))) {
            MemorySegment m = lease.memory();
            long sum = 0;
            for (long at = 0; at < m.byteSize(); at += SharedSegment.PAGE) {
                sum += m.get(ValueLayout.JAVA_LONG, at);
            }
            say("SUM " + sum + " " + m.byteSize());
            hear("CLOSE");
        }
        say("CLOSED");
        hear("EXIT");
    }

    /** Borrows every handle it is given and holds them all until it is killed. */
    private static void hold(ShmArena arena) {
        List<Object> leases = new ArrayList<>(); // leases and blocks, held until the kill
        int count = Integer.parseInt(hear());
        for (int i = 0; i < count; i++) {
            leases.add(arena.borrow(unhex(hear())));
        }
        // Blocks of its own as well: a dead process's allocations must be reclaimed like its leases.
        for (int i = 0; i < 10; i++) {
            leases.add(arena.allocate(100));
        }
        say("HOLDING " + leases.size());
        hear(); // killed while waiting here
    }

    /** Resolves forged handles of every kind; reports which exception each gave. */
    private static void forge(ShmArena arena) {
        ShmHandle real = unhex(hear());
        Random random = new Random(42);
        int[] seen = new int[5];
        List<ShmHandle> forged = new ArrayList<>();
        forged.add(new ShmHandle(real.segmentId() + 1000, real.offset(), real.length(), real.generation()));
        forged.add(new ShmHandle(-1, real.offset(), real.length(), real.generation()));
        forged.add(new ShmHandle(real.segmentId(), real.offset() + (1L << 40), real.length(), real.generation()));
        forged.add(new ShmHandle(real.segmentId(), real.offset(), Long.MAX_VALUE, real.generation()));
        forged.add(new ShmHandle(real.segmentId(), -64, 64, real.generation()));
        forged.add(new ShmHandle(real.segmentId(), real.offset() + 64, real.length(), real.generation()));
        forged.add(new ShmHandle(real.segmentId(), real.offset(), real.length() + 100_000, real.generation()));
        forged.add(new ShmHandle(real.segmentId(), real.offset(), real.length(), real.generation() + 1));
        forged.add(new ShmHandle(real.segmentId(), real.offset(), real.length(), real.generation() ^ (5L << 32)));
        forged.add(new ShmHandle(real.segmentId(), real.offset(), real.length(), -1));
        for (int i = 0; i < 20_000; i++) {
            forged.add(new ShmHandle(random.nextInt(4) - 1, random.nextLong(1 << 20) * (random.nextBoolean() ? 64 : 1),
                    random.nextInt(1 << 16) - 10, random.nextBoolean() ? random.nextLong() : real.generation() + random.nextInt(3) - 1));
        }
        for (ShmHandle handle : forged) {
            classify(real, () -> arena.borrow(handle), seen);
        }
        byte[] bytes = new byte[ShmHandle.BYTES];
        for (int i = 0; i < 20_000; i++) {
            random.nextBytes(bytes);
            classify(real, () -> arena.borrow(ShmHandle.fromBytes(bytes)), seen);
        }
        say("FORGED " + seen[0] + " " + seen[1] + " " + seen[2] + " " + seen[3] + " " + seen[4]);
        // The real one still works after all that, and reads what the parent wrote.
        try (Lease lease = arena.borrow(real)) {
            say("REAL " + lease.memory().get(ValueLayout.JAVA_LONG, 0));
        }
        hear("EXIT");
    }

    /** Counts: [malformed, unknown segment, out of range, stale, resolved to anything but the real block (a bug)]. */
    private static void classify(ShmHandle real, java.util.function.Supplier<Lease> borrow, int[] seen) {
        try (Lease lease = borrow.get()) {
            ShmHandle got = lease.handle();
            boolean legit = got.segmentId() == real.segmentId() && got.offset() == real.offset()
                    && got.generation() == real.generation();
            if (!legit) {
                seen[4]++;
            }
        } catch (InvalidHandleException e) {
            seen[e.reason().ordinal()]++; // MALFORMED, UNKNOWN_SEGMENT, OUT_OF_RANGE, STALE: 0..3
        }
    }

    static final long STARTED = 0;
    static final long STOP = 8;

    /** Churns until the parent raises STOP in a shared flag block; reports overwritten blocks and rounds done. */
    private static void churnUntilStopped(ShmArena arena) {
        try (Lease flag = arena.borrow(unhex(hear()))) {
            MemorySegment f = flag.memory();
            f.set(ValueLayout.JAVA_LONG, STARTED, 1);
            int overwritten = 0;
            long rounds = 0;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while ((long) ValueLayout.JAVA_LONG.varHandle().getAcquire(f, STOP) == 0 && System.nanoTime() < deadline) {
                overwritten += churn(arena, 2, 1000);
                rounds += 1000;
            }
            say("CHURNED " + overwritten + " " + rounds);
        }
        hear("EXIT");
    }

    /**
     * Allocates, stamps, checks and frees blocks of several classes as fast as it can; returns how many blocks were
     * found overwritten by someone else (0 unless the allocator handed one block out twice).
     */
    static int churn(ShmArena arena, int me, int rounds) {
        long[] ids = new long[16];
        int overwritten = 0;
        for (int r = 0; r < rounds; r++) {
            int k = r % ids.length;
            if (ids[k] != 0) {
                if (arena.memory(ids[k], 16).get(ValueLayout.JAVA_LONG, 8) != stamp(me, k, ids[k])) {
                    overwritten++;
                }
                arena.free(ids[k]);
            }
            ids[k] = arena.allocateId(64L << (r % 7));
            arena.memory(ids[k], 16).set(ValueLayout.JAVA_LONG, 8, stamp(me, k, ids[k]));
        }
        for (long id : ids) {
            arena.free(id);
        }
        return overwritten;
    }

    private static long stamp(int me, int k, long id) {
        return (long) me << 56 | (long) k << 48 | (id & 0xffff_ffff_ffffL);
    }

    /** Borrows from an owned arena: may read, may neither write nor allocate. */
    private static void owned(ShmArena arena) throws Exception {
        try (Lease lease = arena.borrow(unhex(hear()))) {
            MemorySegment m = lease.memory();
            String refused;
            try {
                m.set(ValueLayout.JAVA_LONG, 0, 666);
                refused = "no";
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                refused = e.getClass().getSimpleName();
            }
            String allocate;
            try {
                arena.allocate(64).close();
                allocate = "allowed";
            } catch (ShmAccessException e) {
                allocate = "refused";
            }
            String perms = "none";
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.endsWith("/dev/shm/" + arena.name() + "." + lease.handle().segmentId())) {
                    perms = line.split(" ")[1];
                }
            }
            say("OWNED " + m.isReadOnly() + " " + refused + " " + allocate + " " + perms + " " + m.get(ValueLayout.JAVA_LONG, 0));
        }
        hear("EXIT");
    }
}
