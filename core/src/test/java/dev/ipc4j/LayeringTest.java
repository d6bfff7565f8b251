package dev.ipc4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The packages of the core depend on each other only downwards, in the order of docs' layering (architecture.md): os,
 * then the root package (what every layer shares: the error root, {@link NativeHandle}), shm, transport, session,
 * message. So there is no cycle between packages (issue 14), and an accessor registry that lets a lower layer reach
 * into a higher one, as {@code dev.ipc4j.internal} did, fails here. Read from the compiled classes by {@code jdeps}.
 */
class LayeringTest {
    /** Lowest first: a package may use only those before it. */
    private static final List<String> LAYERS = List.of("dev.ipc4j.os", "dev.ipc4j", "dev.ipc4j.counters", "dev.ipc4j.shm", "dev.ipc4j.transport",
            "dev.ipc4j.session", "dev.ipc4j.message", "dev.ipc4j.pubsub", "dev.ipc4j.tap");

    @Test
    void everyPackageUsesOnlyTheLayersBelowIt() {
        List<String[]> edges = edges(Path.of("target", "classes"));
        assertTrue(edges.size() >= 10, "jdeps found the core's dependencies: " + edges.size());
        TreeSet<String> wrong = new TreeSet<>();
        for (String[] e : edges) {
            int from = LAYERS.indexOf(e[0]);
            int to = LAYERS.indexOf(e[1]);
            if (from < 0 || to < 0) {
                wrong.add(e[0] + " -> " + e[1] + " (a package missing from LAYERS: place it in the layering first)");
            } else if (to >= from) {
                wrong.add(e[0] + " -> " + e[1] + " (upwards)");
            }
        }
        assertEquals("", String.join("\n", wrong), "dependencies against the layering");
    }

    @Test
    void aDependencyUpwardsWouldBeSeen() {
        // The check above is only as good as the edges jdeps reports: the session layer must be seen using shm.
        List<String[]> edges = edges(Path.of("target", "classes"));
        assertTrue(edges.stream().anyMatch(e -> e[0].equals("dev.ipc4j.session") && e[1].equals("dev.ipc4j.shm")));
        assertTrue(edges.stream().anyMatch(e -> e[0].equals("dev.ipc4j.message") && e[1].equals("dev.ipc4j.session")));
    }

    /** Package-to-package dependencies within dev.ipc4j, as {@code jdeps -verbose:package} prints them. */
    private static List<String[]> edges(Path classes) {
        assertTrue(Files.isDirectory(classes), classes.toAbsolutePath() + " (the core's compiled classes)");
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "--ignore-missing-deps",
                classes.toString());
        assertEquals(0, code, err.toString());
        List<String[]> edges = new ArrayList<>();
        for (String line : out.toString().lines().toList()) {
            String[] t = line.trim().split("\\s+");
            if (t.length >= 3 && t[1].equals("->") && t[0].startsWith("dev.ipc4j") && t[2].startsWith("dev.ipc4j")
                    && !t[0].equals(t[2])) {
                edges.add(new String[] {t[0], t[2]});
            }
        }
        return edges;
    }
}
