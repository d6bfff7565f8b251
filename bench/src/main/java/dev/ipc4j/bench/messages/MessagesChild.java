package dev.ipc4j.bench.messages;

import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.samples.flatbuffers.DemoCodec;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import dev.ipc4j.samples.flatbuffers.LazyBody;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.shm.ShmBlock;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The responder of {@code bench messages}, a client of the parent's server: answers raw 64-byte requests on init channel
 * 0 with 64 bytes echoing the request's first 8 (its sequence number), and GetFileReq on init channel 1 with the one
 * GetFileRsp it built before saying READY. Both answers are messages made once and re-sent: nothing is allocated or
 * copied per round trip but the 64-byte inline frames. Init channel 2 carries the transport-only rows: a thread of its
 * own answers on the channel's ring pipe without the message layer ({@link RingExchange#serve}), the large requests
 * with the handle of a raw block of {@code large bytes} filled by {@link #word}. Args: run directory, wait mode, large
 * bytes. Ends when its stdin closes.
 */
public final class MessagesChild {
    private MessagesChild() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        WaitMode wait = WaitMode.parse(args[1]);
        long largeBytes = Long.parseLong(args[2]);
        AtomicBoolean finishing = new AtomicBoolean();
        try (ClientSession session = ClientSession.connect(MessagesBench.CLIENT, MessagesBench.server(runDir),
                ClientSession.Config.DEFAULT.withInitChannels(MessagesBench.INIT_CHANNELS).withSession(MessagesBench.sessionConfig(wait)));
             MessageChannel<MemorySegment> raw = MessageChannel.of(session, 0, RawCodec.INSTANCE);
             MessageChannel<LazyBody> fb = MessageChannel.of(session, 1, DemoCodec.LAZY);
             MessageChannel<MemorySegment> uncounted = MessageChannel.over(session, session.channel(MessagesBench.UNCOUNTED_CHANNEL),
                     RawCodec.INSTANCE, MessagesBench.UNCOUNTED);
             OutMessage uncountedEcho = uncounted.newMessage(MessagesBench.SMALL_BYTES, MessagesBench.ECHO);
             OutMessage echo = raw.newMessage(MessagesBench.SMALL_BYTES, MessagesBench.ECHO);
             OutMessage file = DemoMessages.getFileRsp(session.arena(), (int) (largeBytes / DemoMessages.PART_SIZE),
                     DemoMessages.PART_SIZE, MessagesChild::fill).toOutMessage(BodyMsg.GetFileRsp);
             ShmBlock block = session.arena().allocate(largeBytes)) {
            fillBlock(block.memory());
            Thread.ofPlatform().daemon().name("bench-messages-ring").start(() -> {
                try {
                    RingExchange.serve(session, session.channel(MessagesBench.RING_CHANNEL), block);
                } catch (IOException | RuntimeException e) {
                    if (!finishing.get()) { // once the parent is done, the channel closing under us is the normal end
                        System.err.println("bench messages child: ring channel: " + e);
                        Runtime.getRuntime().halt(3);
                    }
                }
            });
            // handlers run one at a time on each channel's handler thread, so the reused echo message is never
            // rewritten while it is being sent (an inline send has copied it when reply returns)
            raw.expectEvery(MessagesBench.ECHO, req -> {
                try (req) {
                    echo.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, req.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    raw.reply(echo, req);
                }
            });
            uncounted.expectEvery(MessagesBench.ECHO, req -> { // raw's echo, on a channel that counts nothing
                try (req) {
                    uncountedEcho.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, req.payload().get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                    uncounted.reply(uncountedEcho, req);
                }
            });
            fb.expectEvery(BodyMsg.GetFileReq, req -> {
                try (req) {
                    req.root(); // a GetFileReq, checked completely (it is small)
                    fb.reply(file, req); // the same 1 GiB block every time: only its handle crosses
                }
            });
            System.out.println("READY " + file.length());
            System.out.flush();
            while (System.in.read() >= 0) {
                // the parent closes our stdin when done
            }
            finishing.set(true);
        } catch (IOException | dev.ipc4j.Ipc4jException e) {
            System.err.println("bench messages child: " + e);
            throw e;
        }
        System.out.println("DONE");
    }

    /** The raw block's word at byte {@code at} (a multiple of 8): differs per position, checked by the parent. */
    static long word(long at) {
        return (at * 0x9E3779B97F4A7C15L) ^ 0x5DEECE66DL;
    }

    /** Writes every word of the raw block (which also faults its pages in before the clock). */
    static void fillBlock(MemorySegment block) {
        for (long at = 0; at + 8 <= block.byteSize(); at += 8) {
            block.set(ValueLayout.JAVA_LONG_UNALIGNED, at, word(at));
        }
    }

    /** Part data: a cheap pattern differing per part and position, written in place in the block. */
    static void fill(int index, MemorySegment part) {
        long seed = index * 0x9E3779B97F4A7C15L;
        for (long at = 0; at + 8 <= part.byteSize(); at += 8) {
            part.set(ValueLayout.JAVA_LONG_UNALIGNED, at, seed ^ (at * 0xBF58476D1CE4E5B9L));
        }
    }
}
