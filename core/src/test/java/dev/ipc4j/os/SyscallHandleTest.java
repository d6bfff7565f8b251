package dev.ipc4j.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.testing.JvmChild;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The one downcall handle ({@link Libc}) is rewritten by the JDK for its own use ("customized": a class spun for it)
 * when it is linked, not on its 128th interpreted call, which in a fresh process fell inside its first request (issue
 * 18). Seen in a fresh JVM's class-loading log, interpreted throughout ({@code -Xint}: compiled callers skip the count).
 */
class SyscallHandleTest {
    @Test
    void theHandleIsCustomizedWhenLinkedNotDuringTheCallsAfter() throws Exception {
        Path log = Files.createTempFile("ipc4j-syscall-", ".log");
        try {
            try (JvmChild child = JvmChild.start(List.of("-Xint", "-Xlog:class+load=info:file=" + log), SyscallChild.class, "500")) {
                child.expect("DONE");
                assertEquals(0, child.awaitExit());
            }
            List<String> lines = Files.readAllLines(log);
            int linked = indexOf(lines, SyscallChild.Linked.class.getName());
            int called = indexOf(lines, SyscallChild.Called.class.getName());
            assertTrue(linked >= 0 && called > linked, "both marks are in the class-loading log");
            List<String> spun = lines.subList(linked, called).stream().filter(l -> l.contains("LambdaForm$")).toList();
            assertEquals(List.of(), spun, "500 system calls after the link spun no method handle form");
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static int indexOf(List<String> lines, String className) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(" " + className + " ")) {
                return i;
            }
        }
        return -1;
    }
}
