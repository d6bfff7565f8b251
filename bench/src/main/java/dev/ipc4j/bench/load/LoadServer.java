package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.ChildSide;
import dev.ipc4j.message.ChannelClosedException;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.SessionServer;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The server process of {@code bench load}: a {@link SessionServer} with the library's defaults (but the rings' wait
 * as asked) whose every session gets a {@link MessageChannel} on init channel 0 with the raw codec. The handler (on the
 * channel's handler thread; it only replies) checks each request completely and answers it with a new message of the
 * asked length, written and checksummed in place, or with {@link LoadProtocol#STATUS_BAD_REQUEST} when the request was
 * damaged.
 *
 * <p>Lines on stdout: {@code READY} once listening; {@code ENDED n} each time a session ends (n counts them);
 * {@code DONE received=.. verified=.. bad=.. replied=.. sessions=.. closed=.. errors=..} (closed: channels the client
 * closed; errors: every other error the channels reported) when its stdin closes, then it closes
 * the server and exits. It halts if the run overstays its timeout. Args: run directory, wait, timeout seconds.
 */
public final class LoadServer {
    private LoadServer() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        String wait = args[1];
        Duration timeout = Duration.ofSeconds(Long.parseLong(args[2]));
        ChildSide.haltAfter(timeout);
        AtomicLong received = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        AtomicLong bad = new AtomicLong();
        AtomicLong replied = new AtomicLong();
        AtomicInteger sessions = new AtomicInteger();
        AtomicInteger ended = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicLong closed = new AtomicLong();
        AtomicReference<String> firstProblem = new AtomicReference<>();
        try (SessionServer server = SessionServer.start(LoadBench.server(runDir), LoadBench.serverConfig(wait))) {
            server.onSession(session -> {
                sessions.incrementAndGet();
                MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                ch.onError(e -> {
                    if (e instanceof ChannelClosedException) {
                        closed.incrementAndGet(); // the client closed its end: how every session of a good run ends
                        return;
                    }
                    errors.incrementAndGet();
                    firstProblem.compareAndSet(null, "session " + session.id() + ": " + e);
                });
                ch.expectEvery(LoadProtocol.REQUEST, req -> {
                    try (req) {
                        received.incrementAndGet();
                        MemorySegment in = req.payload();
                        long sequence = in.byteSize() >= LoadProtocol.HEADER ? LoadProtocol.sequence(in) : -1;
                        int client = in.byteSize() >= LoadProtocol.HEADER ? LoadProtocol.client(in) : -1;
                        String problem = LoadProtocol.check(in, sequence, client, -1, false);
                        int kind = problem == null ? LoadProtocol.kind(in) : LoadProtocol.SMALL;
                        int length = problem == null ? LoadProtocol.responseLength(in) : LoadProtocol.SMALL_BYTES;
                        if (problem == null && (length < LoadProtocol.SMALL_BYTES || length % 8 != 0 || length > 64 << 20)) {
                            problem = "asks for a " + length + "-byte response";
                            length = LoadProtocol.SMALL_BYTES;
                        }
                        if (problem == null) {
                            verified.incrementAndGet();
                        } else {
                            bad.incrementAndGet();
                            firstProblem.compareAndSet(null, "request " + sequence + " of client " + client + ": " + problem);
                        }
                        try (OutMessage out = ch.newMessage(length, LoadProtocol.RESPONSE)) {
                            LoadProtocol.write(out.payload(), sequence, client, kind, length,
                                    problem == null ? LoadProtocol.STATUS_OK : LoadProtocol.STATUS_BAD_REQUEST, true);
                            ch.reply(out, req);
                            replied.incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        firstProblem.compareAndSet(null, "reply: " + e);
                    }
                });
                session.onEnd(end -> {
                    ch.close();
                    synchronized (ended) { // sessions end on different threads: the counts must be said in order
                        ChildSide.say("ENDED " + ended.incrementAndGet());
                    }
                });
            });
            ChildSide.say("READY");
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // the parent closes our stdin when it is done
                }
            }
            String problem = firstProblem.get();
            ChildSide.say("DONE received=" + received + " verified=" + verified + " bad=" + bad + " replied=" + replied
                    + " sessions=" + sessions + " closed=" + closed + " errors=" + errors + (problem == null ? "" : " first_problem=" + problem.replace(' ', '_')));
        }
    }

}
