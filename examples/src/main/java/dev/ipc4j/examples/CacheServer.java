package dev.ipc4j.examples;

import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.tap.Tap;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A cache server: keeps a few values in its app-scope shared memory, and answers each client's GET with a handle to
 * the value instead of the value, so a 64 MiB value costs the same to fetch as a 1 KiB one. The stack a user's code
 * runs on: a {@link SessionServer}, a {@link MessageChannel} per channel of each session, the raw codec
 * ({@link CacheProtocol}). Its tap is open: {@code ./ipc4j inspect cache} shows its messages. Stops on SIGTERM/Ctrl-C.
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
        Tap tap = Tap.open(server, Tap.Config.DEFAULT); // ./ipc4j inspect cache: its messages as JSON lines, while it runs
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            tap.close();
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
            List<MessageChannel<MemorySegment>> channels = new CopyOnWriteArrayList<>();
            session.onEnd(end -> {
                System.out.println("session " + session.id() + " ended: " + end);
                channels.forEach(MessageChannel::close);
            });
            for (int i = 0; i < session.initChannelCount(); i++) {
                channels.add(serve(session, MessageChannel.of(session, i, RawCodec.INSTANCE), values));
            }
            session.onChannel(request -> { // more channels on demand (e.g. one per client thread): served alike
                try {
                    channels.add(serve(session, MessageChannel.over(session, request.accept(), RawCodec.INSTANCE,
                            MessageChannel.Config.DEFAULT), values));
                } catch (java.io.IOException | dev.ipc4j.Ipc4jException e) {
                    System.out.println("session " + session.id() + ": a channel request failed: " + e.getMessage());
                }
            });
        });
        System.out.println("cache server ready: pid " + ProcessHandle.current().pid() + ", socket " + server.socketPath()
                + ", " + values.size() + " values in shared memory");
        server.awaitShutdown();
    }

    /**
     * Answers GETs on {@code ch}: a HIT carries the value's length and a handle the session lends for it (a 48-byte
     * message, sent inline), a MISS nothing. The handler only builds and replies; it never waits for the client.
     */
    private static MessageChannel<MemorySegment> serve(ServerSession session, MessageChannel<MemorySegment> ch,
            Map<String, ShmBlock> values) {
        ch.onError(e -> System.out.println("session " + session.id() + ": channel stopped: " + e.getMessage()));
        ch.expectEvery(CacheProtocol.GET, req -> {
            try (req) {
                String key = new String(req.payload().toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
                ShmBlock value = values.get(key);
                if (value == null) {
                    try (OutMessage miss = ch.newMessage(0, CacheProtocol.MISS)) {
                        ch.reply(miss, req);
                    }
                } else {
                    try (OutMessage hit = ch.newMessage(CacheProtocol.HIT_BYTES, CacheProtocol.HIT)) {
                        CacheProtocol.writeHit(hit.payload(), VALUES.get(key), session.lend(value));
                        ch.reply(hit, req);
                    }
                }
            }
        });
        return ch;
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
