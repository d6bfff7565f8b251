package dev.ipc4j.examples;

import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.transport.BlobPipe;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Receipt;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A cache server: keeps a few values in its app-scope shared memory, and answers each client's GET with a handle to
 * the value instead of the value, so a 64 MiB value costs the same to fetch as a 1 KiB one. Stops on SIGTERM/Ctrl-C.
 *
 * <pre>./ipc4j example cache-server [--run-dir DIR]</pre>
 */
public final class CacheServer {
    /** The values: name and size; their bytes are a seeded pattern the client can check. */
    static final Map<String, Integer> VALUES = new LinkedHashMap<>();

    static {
        VALUES.put("greeting", 13);
        VALUES.put("page", 100 << 10);
        VALUES.put("image", 8 << 20);
        VALUES.put("model", 64 << 20);
    }

    private CacheServer() {}

    public static void main(String[] args) throws Exception {
        SessionServer server = SessionServer.start(CacheApps.cache(CacheApps.runDirectory(args)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close(); // ends every session in good order, frees the shared memory, removes socket and pid file
            System.out.println("cache server stopped");
        }));
        Map<String, ShmBlock> values = new LinkedHashMap<>();
        for (var v : VALUES.entrySet()) {
            ShmBlock block = server.appArena().allocate(v.getValue());
            fill(block.memory(), v.getKey());
            values.put(v.getKey(), block);
        }
        server.onSession(session -> {
            System.out.println("session " + session.id() + ": " + session.peer());
            session.onEnd(end -> System.out.println("session " + session.id() + " ended: " + end));
            for (int i = 0; i < session.initChannelCount(); i++) {
                Channel channel = session.channel(i);
                Thread.ofPlatform().daemon().name("cache-" + session.id() + "-" + i).start(() -> serve(session, channel, values));
            }
            session.onChannel(request -> { // more channels on demand (e.g. one per client thread): served alike
                try {
                    Channel channel = request.accept();
                    Thread.ofPlatform().daemon().name("cache-" + session.id() + "-more").start(() -> serve(session, channel, values));
                } catch (java.io.IOException e) {
                    System.out.println("session " + session.id() + ": a channel request failed: " + e.getMessage());
                }
            });
        });
        System.out.println("cache server ready: pid " + ProcessHandle.current().pid() + ", socket " + server.socketPath()
                + ", " + values.size() + " values in shared memory");
        server.awaitShutdown();
    }

    private static void serve(ServerSession session, Channel channel, Map<String, ShmBlock> values) {
        BlobPipe pipe = channel.blobs();
        MemorySegment answer = Arena.ofAuto().allocate(CacheProtocol.ANSWER);
        String[] key = new String[1];
        try {
            while (pipe.receive(blob -> key[0] = new String(blob.toArray(), StandardCharsets.UTF_8), Duration.ofDays(1)) != Receipt.ENDED) {
                if (key[0] == null) {
                    continue; // timed out: wait on
                }
                ShmBlock value = values.get(key[0]);
                if (value == null) {
                    CacheProtocol.writeMiss(answer);
                } else {
                    CacheProtocol.writeHit(answer, VALUES.get(key[0]), session.lend(value));
                }
                pipe.send(answer);
                key[0] = null;
            }
        } catch (Exception e) {
            System.out.println("session " + session.id() + ": channel stopped: " + e.getMessage());
        }
    }

    /** The bytes of value {@code name}: a pattern seeded by the name, so a client can check what it reads. */
    static void fill(MemorySegment m, String name) {
        SplittableRandom random = new SplittableRandom(name.hashCode());
        long i = 0;
        for (; i + 8 <= m.byteSize(); i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        for (; i < m.byteSize(); i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        }
    }
}
