package dev.ipc4j.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second JVM for cross-process tests, the one launcher every module's tests use. It runs {@code main} of a test class
 * laid out as this JVM's tests are: inside its named module with the test classes patched in (the core's tests, as
 * surefire runs them), or on the class path beside the named module {@code dev.ipc4j} (every other module's tests);
 * either way with native access granted to {@code dev.ipc4j} alone, as in production. The two talk in lines: the parent
 * writes to the child's stdin, the child prints to stdout ({@link ChildSide}). {@link #close()} kills the child, so a
 * failed test leaves no process behind; a child also exits by itself when its stdin closes or after
 * {@link #CHILD_LIFETIME}.
 */
public final class JvmChild implements AutoCloseable {
    /** Generous: a busy 2-core machine must not make cross-process tests flaky. */
    public static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Duration CHILD_LIFETIME = Duration.ofMinutes(5);
    private static final String EOF = "\0EOF";

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final PrintStream stdin;

    private JvmChild(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdin = new PrintStream(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread.ofPlatform().daemon().name("child-" + process.pid() + "-stdout").start(this::pump);
    }

    /** Starts {@code main.main(args)} in a new JVM. */
    public static JvmChild start(Class<?> main, String... args) {
        return start(List.of(), main, args);
    }

    /** Starts {@code main.main(args)} in a new JVM given {@code jvmOptions} too (e.g. {@code -Xint}, {@code -Xlog}). */
    public static JvmChild start(List<String> jvmOptions, Class<?> main, String... args) {
        List<String> command = command(main);
        command.addAll(1, jvmOptions);
        command.addAll(List.of(args));
        try {
            Path stderr = Files.createTempFile("ipc4j-child-", ".stderr");
            Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
            return new JvmChild(process, stderr);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The command line that runs {@code main} in a JVM laid out like this one (without the program's arguments). */
    static List<String> command(Class<?> main) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=dev.ipc4j");
        command.add("--illegal-native-access=deny");
        command.add("-XX:+UseSerialGC");
        command.add("-Xshare:auto");
        // What this JVM was allowed beyond that (e.g. a codec's sun.misc.Unsafe), the child needs too.
        for (String flag : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (flag.startsWith("--sun-misc-unsafe-memory-access=") || flag.startsWith("--add-exports=")) {
                command.add(flag);
            }
        }
        String modulePath = System.getProperty("jdk.module.path");
        String classPath = System.getProperty("java.class.path", "");
        Module module = main.getModule();
        if (module.isNamed()) {
            // A test of a module, patched into it as surefire does; this class path (JUnit, this launcher) readable from it.
            command.addAll(List.of("--module-path", modulePath, "--patch-module", module.getName() + "=" + location(main),
                    "--add-reads", module.getName() + "=ALL-UNNAMED"));
            if (!classPath.isEmpty()) {
                command.addAll(List.of("-cp", classPath));
            }
            command.addAll(List.of("-m", module.getName() + "/" + main.getName()));
        } else {
            if (modulePath != null) {
                command.addAll(List.of("--module-path", modulePath, "--add-modules", "dev.ipc4j"));
            }
            command.addAll(List.of("-cp", classPath, main.getName()));
        }
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Sends one line to the child. */
    public void send(String line) {
        stdin.println(line);
    }

    /** As {@link #expect(String)}, passing over lines that start with {@code skipped} (reports the test allows). */
    public String expectSkipping(String prefix, String skipped) {
        while (true) {
            try {
                return expect(prefix);
            } catch (AssertionError e) {
                if (!(e.getMessage() != null && e.getMessage().contains(" said '" + skipped))) {
                    throw e;
                }
            }
        }
    }

    /** Waits for the child's next line, which must start with {@code prefix}; returns the rest of it. */
    public String expect(String prefix) {
        String line;
        try {
            line = lines.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (line == null) {
            throw new AssertionError("child " + pid() + " said nothing within " + TIMEOUT + " (waiting for '" + prefix + "')" + stderrTail());
        }
        if (line.equals(EOF)) {
            throw new AssertionError("child " + pid() + " ended while we waited for '" + prefix + "'" + stderrTail());
        }
        if (!line.startsWith(prefix)) {
            throw new AssertionError("child " + pid() + " said '" + line + "', expected '" + prefix + "...'" + stderrTail());
        }
        return line.substring(prefix.length()).trim();
    }

    /** Sends SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /**
     * Sends SIGSTOP and returns once every thread of the child is stopped. {@code kill(2)} returns as soon as the signal
     * is queued; the group stop happens as each thread is next scheduled, so on a busy machine a child went on running
     * (and reading) for a while after {@code kill -STOP} had exited: a test that relies on a stopped peer must wait.
     */
    public void stop() {
        signal("STOP");
        Eventually.await(this::stopped, "child " + pid() + " stopped in every thread (" + threadStates() + ")", TIMEOUT);
    }

    /** Sends SIGCONT: a {@link #stop() stopped} child runs again. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new AssertionError("kill -" + name + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Whether every thread of the child is in the stopped state ("T" in /proc/PID/task/TID/stat). */
    private boolean stopped() {
        String states = threadStates();
        return !states.isEmpty() && states.chars().allMatch(c -> c == 'T' || c == 't');
    }

    /** The state letter of each thread of the child, as /proc shows them; empty when the child is gone. */
    private String threadStates() {
        StringBuilder out = new StringBuilder();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    out.append(stat.charAt(stat.lastIndexOf(')') + 2));
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
        return out.toString();
    }

    /** Waits for the child to end; returns its exit code. */
    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("child " + pid() + " did not exit within " + TIMEOUT + stderrTail());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.destroyForcibly();
        process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        stdin.close();
        process.getInputStream().close();
        Files.deleteIfExists(stderr);
    }

    private void pump() {
        try (BufferedReader in = process.inputReader(StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException closed) {
            // the child is gone or we closed the stream; EOF below tells the waiter
        }
        lines.add(EOF);
    }

    private String stderrTail() {
        try {
            String text = Files.readString(stderr);
            return text.isBlank() ? "" : "\n--- child stderr ---\n" + text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "";
        }
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
