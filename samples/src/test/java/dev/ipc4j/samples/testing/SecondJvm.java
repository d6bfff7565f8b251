package dev.ipc4j.samples.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM for a test, started as the samples' cross-process tests start their readers (this JVM's java, dev.ipc4j on the
 * module path with native access, the test class path), talking in lines: the child says things on stdout, the parent
 * on its stdin. {@link #close()} kills and reaps it if it is still there.
 */
public final class SecondJvm implements AutoCloseable {
    private static final String EOF = "\0EOF";
    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final PrintStream in;

    private SecondJvm(Process process) {
        this.process = process;
        this.in = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("second-jvm-" + process.pid()).start(() -> {
            try (BufferedReader out = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException | UncheckedIOException closed) {
                // gone: the marker below tells the waiter
            }
            lines.add(EOF);
        });
    }

    public static SecondJvm start(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=dev.ipc4j", "--illegal-native-access=deny", "-XX:+UseSerialGC", "--sun-misc-unsafe-memory-access=allow",
                "--module-path", System.getProperty("jdk.module.path"), "--add-modules", "dev.ipc4j",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new SecondJvm(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    /** The child's next line, which must start with {@code word}; returns the rest. */
    public String expect(String word) throws InterruptedException {
        String line = lines.poll(120, TimeUnit.SECONDS);
        if (line == null || line.equals(EOF)) {
            throw new AssertionError("the child " + (line == null ? "said nothing in time" : "ended") + ", expected " + word);
        }
        if (!line.equals(word) && !line.startsWith(word + " ")) {
            throw new AssertionError("the child said '" + line + "', expected " + word);
        }
        return line.substring(word.length()).trim();
    }

    public void send(String line) {
        in.println(line);
    }

    /** Waits for the child to exit by itself (after being told to) and checks its exit code. */
    public void awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the child did not exit");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError("the child exited with " + process.exitValue());
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
        in.close();
    }
}
