package dev.ipc4j.cli;

import static dev.ipc4j.testing.ChildSide.hear;
import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionServer;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The server {@link StatCommandTest} watches: echoes every request on init channel 0 until told EXIT. */
public final class StatChild {
    static final ClientApp WEB = ClientApp.named("statweb").build();

    private StatChild() {}

    static ServerApp server(Path runDir) {
        return ServerApp.named("statsrv").allowing(WEB).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    public static void main(String[] args) throws Exception {
        List<MessageChannel<MemorySegment>> all = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(server(Path.of(args[0])))) {
            server.onSession(session -> {
                MessageChannel<MemorySegment> ch = MessageChannel.of(session, 0, RawCodec.INSTANCE);
                all.add(ch);
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
}
