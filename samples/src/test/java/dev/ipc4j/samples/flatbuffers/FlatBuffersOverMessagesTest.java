package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.testing.JvmChild;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.flatbuffers.FlatBufferPayloadException;
import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.MessageException;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.session.ArenaConfig;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.session.SessionServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FlatBuffers over a message channel between two JVMs: the child (a client of this test's server) answers GetFileReq
 * with a GetFileRsp built in its session arena and adopted as the message, zero-copy; this side verifies it in place.
 * Asked for the special names below, the child sends forged or garbled FlatBuffers in otherwise valid frames.
 */
class FlatBuffersOverMessagesTest {
    static final ClientApp WEB = ClientApp.named("fbweb").build();
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** 2 GiB segments: a 1 GiB response (1.004 GiB with its tables) is a regular block of the session arena. */
    static final SessionConfig CONFIG = SessionConfig.DEFAULT.withArenas(new ArenaConfig(2L << 30, 1L << 40));
    static final int ONE_GIB_PARTS = (1 << 30) / DemoMessages.PART_SIZE;

    static ServerApp server(Path runDir) {
        return ServerApp.named("fbcache").allowing(WEB).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    /** The child: connects, answers on init channel 0 until told EXIT. Args: the run directory. */
    public static void main(String[] args) throws Exception {
        try (ClientSession session = ClientSession.connect(WEB, server(Path.of(args[0])),
                ClientSession.Config.DEFAULT.withInitChannels(1).withSession(CONFIG));
             MessageChannel<LazyBody> ch = MessageChannel.of(session, 0, DemoCodec.LAZY)) {
            ch.expectEvery(BodyMsg.GetFileReq, req -> {
                try (req) {
                    GetFileReq r = req.root().getFileReq();
                    try (OutMessage out = answer(ch, r.name(), (int) (r.size() / DemoMessages.PART_SIZE))) {
                        ch.reply(out, req);
                    }
                }
            });
            System.out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("EXIT"); ) {
                if (line.equals("NOTIFY-GARBAGE")) { // a notification the parent's handler cannot decode
                    try (OutMessage out = garbage(ch, BodyMsg.GetFileReq)) {
                        ch.send(out);
                    }
                    System.out.println("SENT");
                }
            }
        }
        System.out.println("BYE");
    }

    /** What the child answers for {@code name}. */
    private static OutMessage answer(MessageChannel<LazyBody> ch, String name, int parts) {
        return switch (name) {
            case "garbage" -> garbage(ch, BodyMsg.GetFileRsp);
            case "liar" -> // a valid GetFileReq under a GetFileRsp header
                    DemoMessages.getFileReq(ch.session().arena(), "x", 1).toOutMessage(BodyMsg.GetFileRsp);
            case "vector", "part" -> {
                FlatBufferMessage m = DemoMessages.getFileRsp(ch.session().arena(), 4, 1024, Arenas::fill);
                MemorySegment b = m.memory();
                FlatBufferVerifier v = new FlatBufferVerifier(b, FlatBufferVerifier.Limits.DEFAULT);
                int vector = v.offsetAt(v.field(v.tableField(v.root(DemoVerifier.FILE_IDENTIFIER), 6), 4, 4));
                if (name.equals("vector")) { // the parts vector claims far more parts than the buffer holds
                    b.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), vector, 0x0fff_ffff);
                } else { // part 2's data offset leads outside the buffer
                    int part = v.table(v.offsetAt(v.element(vector, 2, 4)));
                    b.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), v.field(part, 8, 4), 0x7fff_0000);
                }
                yield m.toOutMessage(BodyMsg.GetFileRsp);
            }
            default -> { // the file: parts of 16 KiB written and hashed in place in the session arena, adopted as is
                FlatBufferMessage m = DemoMessages.getFileRsp(ch.session().arena(), parts, DemoMessages.PART_SIZE, Arenas::fill);
                yield m.toOutMessage(BodyMsg.GetFileRsp);
            }
        };
    }

    /** 64 KiB of bytes that are no FlatBuffer (a root offset far outside), in shared memory. */
    private static OutMessage garbage(MessageChannel<LazyBody> ch, int type) {
        OutMessage out = ch.newMessage(64 << 10, type);
        for (long at = 0; at < out.capacity(); at += 8) {
            out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, at, 0x7ffe_fdfc_fbfa_f9f8L ^ at);
        }
        return out;
    }

    private static InMessage<LazyBody> request(MessageChannel<LazyBody> ch, String name, long size) throws Exception {
        try (OutMessage q = DemoMessages.getFileReq(ch.session().arena(), name, size).toOutMessage(BodyMsg.GetFileReq)) {
            return ch.request(q, TIMEOUT);
        }
    }

    @Test
    void aOneGibResponseCrossesZeroCopyAndForgeriesAreTypedErrors(@TempDir Path runDir) throws Exception {
        CompletableFuture<MessageException> reported = new CompletableFuture<>();
        try (SessionServer server = SessionServer.start(server(runDir), SessionServer.Config.DEFAULT.withSession(CONFIG));
             JvmChild child = JvmChild.start(FlatBuffersOverMessagesTest.class, runDir.toString())) {
            ServerSession session = server.accept(TIMEOUT);
            try (MessageChannel<LazyBody> ch = MessageChannel.over(session, session.channel(0), DemoCodec.LAZY,
                    MessageChannel.Config.DEFAULT.withCloseOnInvalidMessage(false))) {
                ch.onError(reported::complete);
                ch.expectEvery(BodyMsg.GetFileReq, m -> {
                    try (m) {
                        m.root(); // the garbled notification: thrown out of the handler, reported to onError
                    }
                });
                child.expect("READY");

                // 1 GiB: 65,536 parts of 16 KiB, each with its size and XXH64
                long start = System.nanoTime();
                try (InMessage<LazyBody> rsp = request(ch, "file", 1L << 30)) {
                    long received = System.nanoTime();
                    assertTrue(rsp.isShared(), "read in place from the child's session arena");
                    assertTrue(rsp.payload().isReadOnly());
                    assertTrue(rsp.payload().byteSize() > 1L << 30);
                    LazyBody body = rsp.root();
                    long rooted = System.nanoTime();
                    assertEquals(BodyMsg.GetFileRsp, rsp.type());
                    assertEquals(ONE_GIB_PARTS, body.partCount());
                    assertFalse(body.isFullyVerified());
                    assertEquals(1L << 30, body.checkParts()); // every part verified and its hash checked
                    long checked = System.nanoTime();
                    body.verifyAll();
                    assertTrue(body.isFullyVerified());
                    long verified = System.nanoTime();
                    assertEquals(body.buffer().address(), rsp.payload().address(), "the root reads the payload itself");
                    assertTrue(rsp.toJson().contains("\"partsNotShown\":" + (ONE_GIB_PARTS - DemoCodec.JSON_PARTS)), rsp.toJson());
                    System.out.printf("1 GiB: request to response (child builds and hashes) %d ms, shallow root %d us,"
                                    + " every part verified and hashed %d ms, full verify %d ms%n",
                            (received - start) / 1_000_000, (rooted - received) / 1_000, (checked - rooted) / 1_000_000,
                            (verified - checked) / 1_000_000);
                }

                // forged and garbled FlatBuffers in valid frames: typed errors for that message, the channel goes on
                try (InMessage<LazyBody> rsp = request(ch, "garbage", 0)) {
                    InvalidPayloadException e = assertThrows(InvalidPayloadException.class, rsp::root);
                    assertInstanceOf(FlatBufferPayloadException.class, e);
                    assertInstanceOf(InvalidFlatBufferException.class, e.getCause());
                }
                try (InMessage<LazyBody> rsp = request(ch, "vector", 0)) {
                    assertInstanceOf(FlatBufferPayloadException.class, assertThrows(InvalidPayloadException.class, rsp::root));
                }
                try (InMessage<LazyBody> rsp = request(ch, "liar", 0)) {
                    assertTrue(assertThrows(InvalidPayloadException.class, rsp::root).getMessage().contains("payload type"));
                }
                try (InMessage<LazyBody> rsp = request(ch, "part", 0)) {
                    LazyBody body = rsp.root(); // the shallow check holds; part 2 is bad
                    assertEquals(4, body.partCount());
                    assertEquals(1024, body.partData(1, new dev.ipc4j.samples.flatbuffers.demo.Part()).byteSize());
                    assertThrows(InvalidFlatBufferException.class, () -> body.part(2, new dev.ipc4j.samples.flatbuffers.demo.Part()));
                    assertThrows(InvalidFlatBufferException.class, body::verifyAll);
                    assertThrows(InvalidFlatBufferException.class, body::checkParts);
                    assertFalse(body.isFullyVerified());
                    // the full-verify codec rejects the same payload up front
                    assertThrows(FlatBufferPayloadException.class, () -> DemoCodec.VERIFIED.read(rsp.payload()));
                }
                child.send("NOTIFY-GARBAGE");
                child.expect("SENT");
                assertInstanceOf(FlatBufferPayloadException.class, reported.get(60, TimeUnit.SECONDS));

                // still serving after all of it
                try (InMessage<LazyBody> rsp = request(ch, "file", 3L * DemoMessages.PART_SIZE)) {
                    assertEquals(3L * DemoMessages.PART_SIZE, rsp.root().checkParts());
                    assertTrue(DemoCodec.VERIFIED.read(rsp.payload()).msgType() == BodyMsg.GetFileRsp);
                }
                assertTrue(ch.isOpen());
            }
            child.send("EXIT");
            child.expect("BYE");
            assertEquals(0, child.awaitExit(), "the child ended in good order");
        }
        try (Stream<Path> left = Files.list(Path.of("/dev/shm"))) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().contains("fbcache")).count(), "nothing left in /dev/shm");
        }
    }
}
