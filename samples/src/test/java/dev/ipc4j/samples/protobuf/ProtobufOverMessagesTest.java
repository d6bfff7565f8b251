package dev.ipc4j.samples.protobuf;

import dev.ipc4j.testing.JvmChild;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.protobuf.InvalidProtobufException;
import dev.ipc4j.protobuf.ParseLimits;
import dev.ipc4j.protobuf.ProtobufCodec;
import dev.ipc4j.protobuf.ProtobufPayloadException;
import dev.ipc4j.samples.protobuf.demo.Body;
import dev.ipc4j.samples.protobuf.demo.GetFileReq;
import dev.ipc4j.samples.protobuf.demo.Part;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.ClientSession;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.ServerSession;
import dev.ipc4j.session.SessionServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protobuf over a message channel between two JVMs: requests routed by the Body oneof's case, answered by the child (a
 * client of this test's server) with a response serialized straight into its session arena; this side parses it in
 * place, its bytes fields aliasing the lent memory. Asked for "garbage" or "liar", the child answers with a garbled
 * payload or a header type that disagrees with the oneof.
 */
class ProtobufOverMessagesTest {
    static final ClientApp WEB = ClientApp.named("pbweb").build();
    static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final int REQ = Body.MsgCase.GET_FILE_REQ.getNumber();
    static final int RSP = Body.MsgCase.GET_FILE_RSP.getNumber();

    static ServerApp server(Path runDir) {
        return ServerApp.named("pbcache").allowing(WEB).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    /** The child: connects and answers GetFileReq on init channel 0 until told EXIT. Args: the run directory. */
    public static void main(String[] args) throws Exception {
        try (ClientSession session = ClientSession.connect(WEB, server(Path.of(args[0])),
                ClientSession.Config.DEFAULT.withInitChannels(1));
             MessageChannel<Body> ch = MessageChannel.of(session, 0, DemoCodec.BODY)) {
            ch.expectEvery(REQ, req -> {
                try (req; OutMessage out = answer(ch, req.root().getGetFileReq())) {
                    ch.reply(out, req);
                }
            });
            System.out.println("READY");
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("EXIT"); ) {
                // only EXIT is expected
            }
        }
        System.out.println("BYE");
    }

    private static OutMessage answer(MessageChannel<Body> ch, GetFileReq req) {
        return switch (req.getName()) {
            case "garbage" -> { // a field with wire type 7 (no such type), then noise: no protobuf message
                OutMessage out = ch.newMessage(8192, RSP);
                for (long at = 0; at < out.capacity(); at += 8) {
                    out.payload().set(ValueLayout.JAVA_LONG_UNALIGNED, at, 0xffff_ffff_ffff_ff0fL);
                }
                yield out;
            }
            case "liar" -> ProtobufCodec.write(ch, Body.newBuilder().setGetFileReq(req).build(), RSP);
            default -> ProtobufCodec.write(ch, ShmProtobufTest.response((int) (req.getSize() / ShmProtobufTest.PART_SIZE), 3), RSP);
        };
    }

    private static InMessage<Body> request(MessageChannel<Body> ch, String name, long size) throws Exception {
        Body q = Body.newBuilder().setGetFileReq(GetFileReq.newBuilder().setName(name).setSize(size)).build();
        try (OutMessage out = ProtobufCodec.write(ch, q, REQ)) {
            return ch.request(out, TIMEOUT);
        }
    }

    @Test
    void requestsRoutedByOneofCaseBytesReadInPlaceGarbageRejected(@TempDir Path runDir) throws Exception {
        try (SessionServer server = SessionServer.start(server(runDir));
             JvmChild child = JvmChild.start(ProtobufOverMessagesTest.class, runDir.toString())) {
            ServerSession session = server.accept(TIMEOUT);
            try (MessageChannel<Body> ch = MessageChannel.of(session, 0, DemoCodec.BODY)) {
                child.expect("READY");
                int parts = 64;
                try (InMessage<Body> rsp = request(ch, "file", (long) parts * ShmProtobufTest.PART_SIZE)) {
                    assertEquals(RSP, rsp.type());
                    assertTrue(rsp.isShared(), "1 MiB comes as a handle to the child's session arena");
                    Body body = rsp.root();
                    assertEquals(Body.MsgCase.GET_FILE_RSP, body.getMsgCase());
                    assertEquals(parts, body.getGetFileRsp().getPartsCount());
                    MemorySegment payload = rsp.payload();
                    for (Part part : body.getGetFileRsp().getPartsList()) {
                        ByteString data = part.getData();
                        assertEquals(ShmProtobufTest.PART_SIZE, data.size());
                        MemorySegment view = MemorySegment.ofBuffer(data.asReadOnlyByteBuffer());
                        assertTrue(view.isNative() && view.address() >= payload.address()
                                && view.address() + view.byteSize() <= payload.address() + payload.byteSize(),
                                "the bytes field aliases the lent payload, not a copy");
                        assertEquals(part.getData().byteAt(5), view.get(ValueLayout.JAVA_BYTE, 5));
                    }
                    assertTrue(rsp.toJson().contains("\"getFileRsp\""), rsp.toJson());
                }
                try (InMessage<Body> rsp = request(ch, "garbage", 0)) {
                    InvalidPayloadException e = assertThrows(InvalidPayloadException.class, rsp::root);
                    assertInstanceOf(ProtobufPayloadException.class, e);
                    assertInstanceOf(InvalidProtobufException.class, e.getCause());
                    assertTrue(rsp.toJson().contains("invalid"), rsp.toJson());
                }
                try (InMessage<Body> rsp = request(ch, "liar", 0)) {
                    assertTrue(assertThrows(InvalidPayloadException.class, rsp::root).getMessage().contains("payload type"));
                }
                try (InMessage<Body> rsp = request(ch, "small", 2L * ShmProtobufTest.PART_SIZE)) { // still serving
                    assertEquals(2, rsp.root().getGetFileRsp().getPartsCount());
                }
                // a size limit is a parse limit like any other
                try (InMessage<Body> rsp = request(ch, "file", ShmProtobufTest.PART_SIZE)) {
                    ProtobufCodec<Body> strict = DemoCodec.BODY.withLimits(new ParseLimits(1024, 100));
                    assertThrows(ProtobufPayloadException.class, () -> strict.read(rsp.payload()));
                }
                assertTrue(ch.isOpen());
            }
            child.send("EXIT");
            child.expect("BYE");
            assertEquals(0, child.awaitExit(), "the child ended in good order");
        }
        try (Stream<Path> left = Files.list(Path.of("/dev/shm"))) {
            assertEquals(0, left.filter(p -> p.getFileName().toString().contains("pbcache")).count(), "nothing left in /dev/shm");
        }
    }
}
