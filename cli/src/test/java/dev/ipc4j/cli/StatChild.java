package dev.ipc4j.cli;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import com.google.protobuf.ByteString;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.protobuf.ProtobufCodec;
import dev.ipc4j.samples.flatbuffers.DemoCodec;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.protobuf.demo.GetFileRsp;
import dev.ipc4j.samples.protobuf.demo.Part;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionServer;
import dev.ipc4j.tap.Tap;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server {@link StatCommandTest} and {@link InspectCommandTest} watch: echoes every request on init channel 0 until
 * told EXIT; to a session with three init channels it also answers the samples' demo protocol, a {@code GetFileReq}
 * with a {@code GetFileRsp} of two parts, in FlatBuffers on channel 1 and in protobuf on channel 2. Args: run
 * directory, then {@code tap} to open its tap for the {@code inspect} app.
 */
public final class StatChild {
    static final ClientApp WEB = ClientApp.named("statweb").build();
    static final ClientApp INSPECT = ClientApp.named("inspect").build();
    /** The size of each part the demo protocol's answers carry. */
    static final int PART = 100;

    private StatChild() {}

    static ServerApp server(Path runDir) {
        return ServerApp.named("statsrv").allowing(WEB, INSPECT).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    public static void main(String[] args) throws Exception {
        List<MessageChannel<?>> all = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(server(Path.of(args[0])));
             Tap tap = args.length > 1 && args[1].equals("tap") ? Tap.open(server, Tap.Config.DEFAULT) : null) {
            server.onSession(session -> {
                MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                all.add(ch);
                if (session.initChannelCount() >= 3) {
                    all.add(flatBuffers(MessageChannel.of(session, 1, DemoCodec.VERIFIED)));
                    all.add(protobuf(MessageChannel.of(session, 2, dev.ipc4j.samples.protobuf.DemoCodec.BODY)));
                }
                ch.expectEvery(0, req -> {
                    try (req; OutMessage out = ch.newMessage(req.payload().byteSize())) {
                        MemorySegment.copy(req.payload(), 0, out.payload(), 0, req.payload().byteSize());
                        ch.reply(out, req);
                    }
                });
            });
            say("STARTED");
            hear("EXIT");
            all.forEach(MessageChannel::close);
        }
        say("BYE");
    }

    private static MessageChannel<Body> flatBuffers(MessageChannel<Body> ch) {
        ch.expectEvery(BodyMsg.GetFileReq, req -> {
            try (req; OutMessage out = DemoMessages.getFileRsp(ch.session().arena(), 2, PART,
                    (i, part) -> part.fill((byte) i)).toOutMessage(BodyMsg.GetFileRsp)) {
                ch.reply(out, req);
            }
        });
        return ch;
    }

    private static MessageChannel<dev.ipc4j.samples.protobuf.demo.Body> protobuf(
            MessageChannel<dev.ipc4j.samples.protobuf.demo.Body> ch) {
        int rsp = dev.ipc4j.samples.protobuf.demo.Body.MsgCase.GET_FILE_RSP.getNumber();
        ch.expectEvery(dev.ipc4j.samples.protobuf.demo.Body.MsgCase.GET_FILE_REQ.getNumber(), req -> {
            GetFileRsp.Builder parts = GetFileRsp.newBuilder();
            for (int i = 0; i < 2; i++) {
                parts.addParts(Part.newBuilder().setSize(PART).setHash(i).setData(ByteString.copyFrom(new byte[PART])));
            }
            try (req; OutMessage out = ProtobufCodec.write(ch,
                    dev.ipc4j.samples.protobuf.demo.Body.newBuilder().setGetFileRsp(parts).build(), rsp)) {
                ch.reply(out, req);
            }
        });
        return ch;
    }
}
