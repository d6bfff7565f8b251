package dev.ipc4j.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs this module's jcstress tests in CI with a short budget ({@code -m quick}: about nine minutes on 2 cores for the fifteen tests), in JVMs
 * jcstress forks itself. The longer, more thorough run, for a change to a lock-free structure:
 *
 * <pre>
 * java -cp "stress/target/classes:$(cat stress/target/classpath)" org.openjdk.jcstress.Main -m tough
 * </pre>
 *
 * (the class path as {@code ./mvnw -pl stress dependency:build-classpath -Dmdep.outputFile=stress/target/classpath}
 * writes it).
 */
class JcstressTest {
    @Test
    @Timeout(value = 13, unit = TimeUnit.MINUTES)
    void everyConcurrencyProofPasses() throws Exception {
        // In target/: jcstress writes its raw results (jcstress-results-*.bin.gz) to its working directory.
        Path target = Path.of("target").toAbsolutePath();
        Path results = target.resolve("jcstress-results");
        Path log = target.resolve("jcstress.log");
        if (Files.isDirectory(results)) { // a page per test is counted below: none may be left from an earlier run
            try (var pages = Files.list(results)) {
                for (Path page : pages.toList()) {
                    Files.delete(page);
                }
            }
        }
        Files.createDirectories(results);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "org.openjdk.jcstress.Main", "-m", "quick", "-r", results.toString()))
                .directory(target.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(12, TimeUnit.MINUTES);
        if (!done) {
            p.destroyForcibly().waitFor();
        }
        String out = Files.readString(log);
        String tail = out.substring(Math.max(0, out.length() - 3000));
        assertTrue(done, "jcstress did not finish within 12 minutes: " + tail);
        assertEquals(0, p.exitValue(), tail);
        assertTrue(out.contains("Failed tests: No matches."), "a forbidden outcome was seen: see " + results + File.separator
                + "index.html\n" + tail);
        assertTrue(out.contains("Error tests: No matches."), tail);
        assertTrue(out.contains("passed, 0 failed"), "no test ran at all?\n" + tail);
        // jcstress skips a test it cannot schedule (more actors than the machine has CPUs) and still reports success:
        // every test the annotation processor listed must have a result page.
        List<String> listed;
        try (var lines = Files.lines(target.resolve("classes").resolve("META-INF").resolve("TestList"))) {
            listed = lines.filter(l -> !l.isBlank()).toList();
        }
        List<String> ran;
        try (var pages = Files.list(results)) {
            ran = pages.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".html") && !n.equals("index.html"))
                    .sorted().toList();
        }
        assertEquals(listed.size(), ran.size(), "jcstress tests listed: " + listed.size() + "; with results: " + ran
                + "\n" + tail);
    }
}
