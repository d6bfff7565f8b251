package dev.ipc4j.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * ipc4j's process-wide threads (keep-alive timer, session task pool, shared runner, sweeper, leak detector) come from
 * the factory the application gives {@code Ipc4j.useThreadFactory}, as daemons; a second factory, once they exist,
 * is refused. In a fresh JVM ({@link ProcessThreadsChild}): the factory is process-wide and can be given only once.
 */
class ProcessThreadsTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    @TempDir
    Path runDir;

    @Test
    void everyProcessWideThreadComesFromTheApplicationsFactory() throws Exception {
        try (JvmChild child = JvmChild.start(ProcessThreadsChild.class, runDir.toString())) {
            assertEquals(String.join(",", ProcessThreadsChild.KINDS.stream().sorted().toList()), child.expect("MADE").strip(),
                    "every kind of process-wide thread was made by the application's factory");
            assertEquals("", child.expect("FOREIGN").strip(), "no live thread of those kinds from elsewhere");
            assertEquals("", child.expect("NOT-DAEMON").strip(), "ipc4j made each a daemon");
            child.expect("REFUSED");
            child.expect("BYE");
            assertEquals(0, child.awaitExit());
        }
    }
}
