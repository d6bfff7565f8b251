package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class VersionCommandTest {
    @Test
    void versionPrintsEveryCheckAsOk() {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("version");
        String text = out.toString();
        assertEquals(0, exit, text);
        assertTrue(text.startsWith("ipc4j  "), text);
        assertTrue(text.contains("JDK    25") || text.contains("JDK    2"), text);
        long checks = text.lines().filter(l -> l.startsWith("  ")).count();
        long ok = text.lines().filter(l -> l.startsWith("  ") && l.endsWith("  ok")).count();
        assertEquals(6, checks, text);
        assertEquals(checks, ok, text);
    }

    @Test
    void helpListsTheCommands() {
        StringWriter out = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(out)).execute("--help");
        assertEquals(0, exit);
        assertTrue(out.toString().contains("version"), out.toString());
        assertTrue(out.toString().contains("  demo ") && out.toString().contains("  bench small "), out.toString());
        assertTrue(out.toString().contains("  bench messages ") && out.toString().contains("  bench load "), out.toString());
    }
}
