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
import dev.ipc4j.tap.Tap;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The server {@link StatCommandTest} and {@link InspectCommandTest} watch: echoes every request on init channel 0 until
 * told EXIT. Args: run directory, then {@code tap} to open its tap for the {@code inspect} app.
 */
public final class StatChild {
    static final ClientApp WEB = ClientApp.named("statweb").build();
    static final ClientApp INSPECT = ClientApp.named("inspect").build();

    private StatChild() {}

    static ServerApp server(Path runDir) {
        return ServerApp.named("statsrv").allowing(WEB, INSPECT).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    public static void main(String[] args) throws Exception {
        List<MessageChannel<MemorySegment>> all = new CopyOnWriteArrayList<>();
        try (SessionServer server = SessionServer.start(server(Path.of(args[0])));
             Tap tap = args.length > 1 && args[1].equals("tap") ? Tap.open(server, Tap.Config.DEFAULT) : null) {
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
