package dev.ipc4j.bench.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The child JVM must be started like its parent, or ipc4j's own pipes could not run in it. */
class ChildJvmTest {
    @Test
    @Timeout(120)
    void theChildHasIpc4jAsANamedModuleWithNativeAccess() throws Exception {
        Path stderr = Files.createTempFile("ipc4j-bench-probe-", ".stderr");
        try (ChildJvm child = ChildJvm.start(List.of(), NativeAccessProbe.class, List.of(), stderr)) {
            long deadline = Deadlines.after(java.time.Duration.ofSeconds(60));
            assertEquals("dev.ipc4j", child.expect("MODULE", deadline));
            int checks = 0;
            while (true) {
                String line = child.nextLine("a self-check line", deadline);
                if (line.equals("END")) {
                    break;
                }
                assertTrue(line.startsWith("OK "), "self-check in the child: " + line + child.stderrTail());
                checks++;
            }
            assertTrue(checks > 0, "the self-check ran no check");
            child.awaitExit(deadline);
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    @Test
    void theChildCommandCarriesTheParentsFlags() {
        List<String> command = ChildJvm.javaCommand(EchoSide.class);
        assertEquals(ProcessHandle.current().info().command().orElseThrow(), command.getFirst());
        assertTrue(command.contains("--enable-native-access=dev.ipc4j"), command.toString());
        assertTrue(command.contains("--illegal-native-access=deny"), command.toString());
        assertTrue(command.contains("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"), command.toString());
        assertTrue(command.stream().anyMatch(a -> a.startsWith("--module-path=")), command.toString());
        assertEquals(EchoSide.class.getName(), command.getLast());
    }
}
