package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ipc4j.testing.NoLeaks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Session behaviour that needs no second process: the quick checks. */
class SessionInProcessTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path runDir;

    @Test
    void initChannelsCarryTraffic() throws Exception {
        try (SessionServer server = SessionServer.start(Apps.cache(runDir))) {
            server.onSession(s -> Echo.serve(s.channel(0)));
            try (ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                    ClientSession.Options.DEFAULT.withInitChannels(1))) {
                Echo.drive(session.channel(0), 10, 1);
            }
        }
    }
}
