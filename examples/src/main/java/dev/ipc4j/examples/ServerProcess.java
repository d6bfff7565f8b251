package dev.ipc4j.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * An example's server half in a process of its own, for the examples that run both halves in one command: started,
 * its output echoed with a {@code [server]} prefix, waited for until it says it is ready, stopped with SIGTERM (its
 * shutdown hook closes it in good order), its private run directory removed.
 */
public final class ServerProcess implements AutoCloseable {
    private final Process process;
    private final Path runDirectory;
    private final String readyLine;

    private ServerProcess(Process process, Path runDirectory, String readyLine) {
        this.process = process;
        this.runDirectory = runDirectory;
        this.readyLine = readyLine;
    }

    /**
     * Starts {@code command} and waits up to a minute for a line starting with {@code ready}; the process and
     * {@code runDirectory} are the returned object's to clean up.
     */
    public static ServerProcess start(List<String> command, Path runDirectory, String ready) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // Read by a thread of its own, and never closed here: closing it while that thread reads would block.
        BufferedReader lines = process.inputReader(StandardCharsets.UTF_8);
        CompletableFuture<String> readyLine = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    System.out.println("  [server] " + line);
                    if (line.startsWith(ready)) {
                        readyLine.complete(line);
                    }
                }
            } catch (IOException e) {
                // the server is gone
            }
            readyLine.completeExceptionally(new IllegalStateException("the server ended before it was ready"));
        });
        ServerProcess server = new ServerProcess(process, runDirectory, null);
        try {
            return new ServerProcess(process, runDirectory, readyLine.get(60, TimeUnit.SECONDS));
        } catch (Exception e) {
            server.close();
            throw e;
        }
    }

    /** The line that said the server is ready. */
    public String readyLine() {
        return readyLine;
    }

    /** Stops the server (SIGTERM, then SIGKILL after 30 s, or at once if interrupted) and removes the run directory. */
    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (var files = Files.list(runDirectory)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(runDirectory);
    }
}
