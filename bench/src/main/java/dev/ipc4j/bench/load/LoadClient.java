package dev.ipc4j.bench.load;

import dev.ipc4j.bench.harness.ChildSide;
import dev.ipc4j.bench.harness.LatencyStats;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageTimeoutException;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientSession;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * A client process of {@code bench load}: one {@link ClientSession}, one {@link MessageChannel} with the raw codec, and
 * one thread making requests one after another, as fast as it can, from the parent's {@code GO} until its time is up
 * (and it made at least the minimum count), after a warm-up whose requests are checked and counted but not timed. Each
 * request is a new message (as a user's code would make it), its kind
 * from {@link LoadProtocol#kindOf}; each response is checked completely. The clock covers {@code request()} until the
 * response is there: not filling the request before it, nor checking the response after it.
 *
 * <p>Lines on stdout: {@code READY} once connected; {@code DONE sent=.. answered=.. verified=.. bad=.. lost=.. measured=..
 * small=.. large_response=.. large_request=.. elapsed_ns=.. hist=<base64 HdrHistogram>} at the end; {@code FAIL reason} when the
 * channel fails (exit code 1). Then it waits for its stdin to close before closing its session, so the parent can
 * look at the loaded server first. It halts if its stdin closes early (the parent is gone) or the run overstays its
 * timeout. Args: run directory, wait, client id, seconds, min requests, large bytes, request timeout s, timeout s,
 * warm-up s. Counts cover the warm-up too (nothing may be lost there either); measured, the histogram and elapsed_ns
 * only the timed part.
 */
public final class LoadClient {
    private LoadClient() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        String wait = args[1];
        int id = Integer.parseInt(args[2]);
        long runNanos = Duration.ofSeconds(Long.parseLong(args[3])).toNanos();
        long warmupNanos = Duration.ofSeconds(Long.parseLong(args[8])).toNanos();
        long minRequests = Long.parseLong(args[4]);
        int large = Integer.parseInt(args[5]);
        Duration requestTimeout = Duration.ofSeconds(Long.parseLong(args[6]));
        ChildSide.haltAfter(Duration.ofSeconds(Long.parseLong(args[7])));
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        AtomicBoolean finished = new AtomicBoolean();
        CountDownLatch released = new CountDownLatch(1);
        try (ClientSession session = ClientSession.connect(LoadBench.CLIENT, LoadBench.server(runDir),
                ClientSession.Config.DEFAULT.withInitChannels(1).withSession(LoadBench.sessionConfig(wait)));
             MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE)) {
            ChildSide.say("READY");
            if (!"GO".equals(stdin.readLine())) {
                Runtime.getRuntime().halt(97); // the parent went away before starting us
            }
            Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
                try {
                    while (stdin.read() >= 0) {
                        // nothing more is sent; end of file means: close the session and exit
                    }
                } catch (IOException e) {
                    // the parent is gone
                }
                if (!finished.get()) {
                    Runtime.getRuntime().halt(97);
                }
                released.countDown();
            });
            Histogram histogram = LatencyStats.newHistogram();
            long sent = 0;
            long answered = 0;
            long verified = 0;
            long bad = 0;
            long lost = 0;
            long[] perKind = new long[LoadProtocol.KINDS];
            String firstProblem = null;
            long measured = 0;
            long warmupEnd = System.nanoTime() + warmupNanos;
            long start = 0;
            boolean measuring = false;
            long sequence = 0;
            String failure = null;
            while (true) {
                if (!measuring && System.nanoTime() - warmupEnd >= 0) {
                    measuring = true;
                    start = System.nanoTime();
                }
                if (measuring && measured >= minRequests && System.nanoTime() - start >= runNanos) {
                    break;
                }
                int kind = LoadProtocol.kindOf(sequence);
                int requestBytes = kind == LoadProtocol.LARGE_REQUEST ? large : LoadProtocol.SMALL_BYTES;
                int responseBytes = kind == LoadProtocol.LARGE_RESPONSE ? large : LoadProtocol.SMALL_BYTES;
                try (OutMessage out = ch.newMessage(requestBytes, LoadProtocol.REQUEST)) {
                    LoadProtocol.write(out.payload(), sequence, id, kind, responseBytes, LoadProtocol.STATUS_OK, false);
                    sent++;
                    long t0 = System.nanoTime();
                    InMessage<MemorySegment> response;
                    try {
                        response = ch.request(out, requestTimeout);
                    } catch (MessageTimeoutException e) {
                        lost++;
                        firstProblem = firstProblem != null ? firstProblem : "request " + sequence + ": " + e.getMessage();
                        sequence++;
                        continue;
                    }
                    long nanos = System.nanoTime() - t0;
                    try (response) {
                        answered++;
                        if (measuring) {
                            measured++;
                            histogram.recordValue(Math.min(nanos, LatencyStats.HIGHEST_NANOS));
                        }
                        MemorySegment in = response.payload();
                        String problem = in.byteSize() != responseBytes
                                ? "a " + in.byteSize() + "-byte response, expected " + responseBytes
                                : LoadProtocol.check(in, sequence, id, kind, true);
                        if (problem == null && LoadProtocol.status(in) != LoadProtocol.STATUS_OK) {
                            problem = "the server found the request damaged";
                        }
                        if (problem == null && response.type() != LoadProtocol.RESPONSE) {
                            problem = "response type " + response.type();
                        }
                        if (problem == null) {
                            verified++;
                            perKind[kind]++;
                        } else {
                            bad++;
                            firstProblem = firstProblem != null ? firstProblem : "response " + sequence + ": " + problem;
                        }
                    }
                } catch (RuntimeException e) {
                    failure = "request " + sequence + ": " + e;
                    break;
                }
                sequence++;
            }
            long elapsed = measuring ? System.nanoTime() - start : 0;
            finished.set(true);
            if (failure != null) {
                ChildSide.say("FAIL " + failure.replace('\n', ' '));
                System.exit(1);
            }
            ChildSide.say("DONE sent=" + sent + " answered=" + answered + " verified=" + verified + " bad=" + bad + " lost=" + lost + " measured=" + measured
                    + " small=" + perKind[LoadProtocol.SMALL] + " large_response=" + perKind[LoadProtocol.LARGE_RESPONSE]
                    + " large_request=" + perKind[LoadProtocol.LARGE_REQUEST] + " elapsed_ns=" + elapsed + " hist="
                    + encode(histogram) + (firstProblem == null ? "" : " first_problem=" + firstProblem.replace(' ', '_')));
            released.await();
        }
    }

    static String encode(Histogram histogram) {
        ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        int length = histogram.encodeIntoCompressedByteBuffer(buffer, 9);
        return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
    }

    static Histogram decode(String base64) throws java.util.zip.DataFormatException {
        return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), LatencyStats.HIGHEST_NANOS);
    }
}
