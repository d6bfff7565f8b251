package dev.ipc4j.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The benchmark's second process: the same JDK ({@code ProcessHandle.current().info().command()}) started with every
 * JVM flag of the current one (so module {@code dev.ipc4j} stays on the module path with native access, and Aeron gets
 * its flags) and the same class path. The two coordinate through lines on the child's stdout; closing the child's stdin
 * tells it the parent is gone. {@link #close()} kills the child if it is still there: no run leaves a process behind.
 */
public final class ChildJvm implements AutoCloseable {
    private static final String EOF = "\0EOF";

    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        Thread.ofPlatform().daemon().name("bench-child-" + process.pid() + "-stdout").start(this::pump);
    }

    /**
     * Starts {@code main} in a new JVM.
     *
     * @param prefix words before the java command, e.g. {@code taskset -c 1}; empty for none
     * @param stderr where the child's stderr goes (shown when the run fails)
     */
    public static ChildJvm start(List<String> prefix, Class<?> main, List<String> args, Path stderr) throws IOException {
        return start(prefix, flag -> true, List.of(), main, args, stderr);
    }

    /**
     * {@link #start(List, Class, List, Path)} with only those of the current JVM's flags that {@code keep} accepts,
     * and then {@code extra} flags.
     */
    public static ChildJvm start(List<String> prefix, Predicate<String> keep, List<String> extra, Class<?> main, List<String> args,
            Path stderr) throws IOException {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(javaCommand(main, keep, extra));
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        return new ChildJvm(process, stderr);
    }

    /** The java command that starts {@code main} the way the current JVM was started. */
    public static List<String> javaCommand(Class<?> main) {
        return javaCommand(main, flag -> true, List.of());
    }

    private static List<String> javaCommand(Class<?> main, Predicate<String> keep, List<String> extra) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow(() -> new IllegalStateException("cannot tell which java runs this JVM")));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // A debugger agent would clash on its port; everything else (module path, native access, Aeron's flags,
            // heap and GC settings) the child must share with the parent.
            if (!arg.startsWith("-agentlib:jdwp") && !arg.startsWith("-Xrunjdwp") && keep.test(arg)) {
                command.add(arg);
            }
        }
        command.addAll(extra);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        return command;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Waits for the child's next line, which must start with {@code word}; returns the rest of the line. */
    public String expect(String word, long deadlineNanos) throws TimeoutException, IOException {
        String line = nextLine("'" + word + "'", deadlineNanos);
        if (!line.equals(word) && !line.startsWith(word + " ")) {
            throw new IOException("child " + pid() + " said '" + line + "', expected " + word + stderrTail());
        }
        return line.substring(word.length()).trim();
    }

    /** Waits for the child's next line; fails if the child ends or says nothing in time. */
    public String nextLine(String waitingFor, long deadlineNanos) throws TimeoutException, IOException {
        String line;
        try {
            line = lines.poll(Deadlines.millisLeft(deadlineNanos), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the child", e);
        }
        if (line == null) {
            throw new TimeoutException("child " + pid() + " did not say " + waitingFor + " in time" + stderrTail());
        }
        if (line.equals(EOF)) {
            throw new IOException("child " + pid() + " ended while we waited for " + waitingFor + exitDescription() + stderrTail());
        }
        return line;
    }

    /** Waits until the child has exited by itself; fails unless its exit code is 0. */
    public void awaitExit(long deadlineNanos) throws TimeoutException, IOException, InterruptedException {
        if (!process.waitFor(Deadlines.millisLeft(deadlineNanos), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException("child " + pid() + " did not exit in time" + stderrTail());
        }
        if (process.exitValue() != 0) {
            throw new IOException("child " + pid() + " exited with " + process.exitValue() + stderrTail());
        }
    }

    /** The last part of the child's stderr, for error messages; empty when it printed nothing. */
    public String stderrTail() {
        try {
            String text = Files.readString(stderr);
            return text.isBlank() ? "" : "\n--- child stderr ---\n" + text.substring(Math.max(0, text.length() - 4000));
        } catch (IOException e) {
            return "";
        }
    }

    private String exitDescription() {
        try {
            return process.waitFor(1, TimeUnit.SECONDS) ? " (exit code " + process.exitValue() + ")" : "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException("child " + pid() + " survived SIGKILL for 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reaping child " + pid(), e);
        } finally {
            process.getOutputStream().close();
            process.getInputStream().close();
        }
    }

    private void pump() {
        try (BufferedReader in = process.inputReader(StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                lines.add(line);
            }
        } catch (IOException closed) {
            // the child is gone or we closed the stream; the EOF marker tells the waiter
        } catch (UncheckedIOException closed) {
            // same, from the reader's internals
        }
        lines.add(EOF);
    }
}
