package dev.ipc4j.bench.demo;

import dev.ipc4j.bench.harness.WaitMode;
import dev.ipc4j.session.ArenaConfig;
import dev.ipc4j.session.ClientApp;
import dev.ipc4j.session.Permissions;
import dev.ipc4j.session.ServerApp;
import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.transport.Channel;
import java.nio.file.Path;

/**
 * What both sides of the full-stack demo ({@code --stack message}, the default) agree on: the apps, the session
 * configuration and the two init channels of the session.
 *
 * <pre>
 * channel 0, RawCodec: control           client -> server                      server -> client
 *   PREPARE (request) [u64 size][i64 corruptPart]  build the response (not timed)  PREPARE (empty response)
 *   COPY (notification) [u64 count]                serve count copies on the Unix socket
 *   RELEASE (request)                               give the response back         RELEASE (empty response)
 * channel 1, DemoCodec.LAZY (demo.fbs): files
 *   Body{GetFileReq{name, size}} (request)          the one Body{GetFileRsp{parts}} built at PREPARE, re-sent
 * end of session                                    server closes everything, says DONE on stdout, exits 0
 * </pre>
 *
 * The server's handlers only reply (files) or hand the message to the server's main thread (control), which builds,
 * serves copies and answers: a handler never waits.
 */
final class MessageDemo {
    static final ClientApp CLIENT = ClientApp.named("democlient").build();
    static final int CONTROL = 0;
    static final int FILES = 1;
    static final int PREPARE = 1;
    static final int COPY = 2;
    static final int RELEASE = 3;

    static final String DESCRIPTION = "FlatBuffers Body{GetFileRsp{parts}} built once in the server session's arena and re-sent"
            + " per round trip as one OutMessage over a MessageChannel (session -> message channel -> DemoCodec.LAZY);"
            + " a handle crosses, root() borrows and checks the top inside the clock, full verification after it";

    private MessageDemo() {}

    static ServerApp server(Path runDir) {
        return ServerApp.named("demo").allowing(CLIENT).permissions(Permissions.USER).runDirectory(runDir).build();
    }

    /** Both sides: rings and the runner waiting as asked; 2 GiB segments so a 1.004 GiB FlatBuffer is a regular block kept mapped. */
    static SessionConfig sessionConfig(WaitMode wait) {
        return SessionConfig.DEFAULT.withChannels(Channel.Config.DEFAULT.withWait(wait.strategy()))
                .withArenas(new ArenaConfig(2L << 30, 1L << 40)).withRunner(wait.runner());
    }
}
