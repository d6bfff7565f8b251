package dev.ipc4j.examples;

import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.RetryPolicy;
import dev.ipc4j.shm.Lease;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A client of the {@link CacheServer}: fetches each value by name, reads it in place from the server's shared memory,
 * checks every byte once, and prints the median time of a fetch (request sent until the value is readable here) over
 * 2000 fetches after 2000 unmeasured ones, over a {@link MessageChannel} on the session's first channel (raw codec,
 * {@link CacheProtocol}). The channel's wait strategy is the default: spin briefly, then block.
 *
 * <pre>./ipc4j example cache-client [--run-dir DIR] [KEY...]</pre>
 */
public final class CacheClient {
    private static final int WARMUP = 2000;
    private static final int ROUNDS = 2000;

    private CacheClient() {}

    public static void main(String[] args) throws Exception {
        List<String> keys = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--run-dir")) {
                i++;
            } else {
                keys.add(args[i]);
            }
        }
        if (keys.isEmpty()) {
            keys.addAll(CacheServer.VALUES.keySet());
            keys.add("missing");
        }
        System.exit(run(CacheApps.runDirectory(args), keys, System.out) ? 0 : 1);
    }

    /** Fetches {@code keys}; true when every value found was intact. */
    static boolean run(Path runDirectory, List<String> keys, PrintStream out) throws Exception {
        boolean intact = true;
        ClientSession.Config options = ClientSession.Config.DEFAULT.withInitChannels(1)
                .withRetry(RetryPolicy.every(Duration.ofMillis(50), Duration.ofSeconds(10)));
        try (ClientSession session = ClientSession.connect(CacheApps.WEB, CacheApps.cache(runDirectory), options)) {
            out.printf("connected: session %d with %s%n", session.id(), session.peer());
            out.printf("%-10s %12s %14s %s%n", "key", "bytes", "fetch p50", "check");
            try (MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
                for (String key : keys) {
                    byte[] k = key.getBytes(StandardCharsets.UTF_8);
                    long[] nanos = new long[ROUNDS];
                    String check = "";
                    long length = 0;
                    try (OutMessage get = ch.newMessage(k.length, CacheProtocol.GET)) { // made once, sent every round
                        MemorySegment.copy(k, 0, get.payload(), ValueLayout.JAVA_BYTE, 0, k.length);
                        for (int round = -WARMUP; round < ROUNDS; round++) { // rounds below 0 warm the JIT up, unmeasured
                            long start = System.nanoTime();
                            try (InMessage<MemorySegment> answer = ch.request(get, Duration.ofSeconds(10))) {
                                if (answer.type() == CacheProtocol.MISS) {
                                    nanos[Math.max(0, round)] = System.nanoTime() - start;
                                    check = "not in the cache";
                                    continue;
                                }
                                if (answer.type() != CacheProtocol.HIT) {
                                    throw new IllegalStateException("an answer of type " + answer.type() + " for " + key);
                                }
                                length = CacheProtocol.hitLength(answer.payload());
                                try (Lease value = session.borrow(CacheProtocol.hitHandle(answer.payload()))) {
                                    nanos[Math.max(0, round)] = System.nanoTime() - start; // readable here, in place
                                    if (round == -WARMUP) {
                                        MemorySegment expected = Arena.ofAuto().allocate(length);
                                        CacheServer.fill(expected, key);
                                        boolean same = value.memory().asSlice(0, length).mismatch(expected) == -1;
                                        intact &= same;
                                        check = same ? "all " + length + " bytes as expected" : "CORRUPT";
                                    }
                                }
                            }
                        }
                    }
                    java.util.Arrays.sort(nanos);
                    out.printf("%-10s %12d %11.1f us %s%n", key, length, nanos[ROUNDS / 2] / 1e3, check);
                }
            }
        }
        return intact;
    }
}
