package dev.ipc4j.examples;

import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Both halves in one command: starts a {@link CacheServer} process, runs a {@link CacheClient} in this process
 * against it, then stops the server. Uses a private run directory, so it never meets another cache server.
 *
 * <pre>./ipc4j example cache</pre>
 */
public final class CacheExample {
    private CacheExample() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Files.createTempDirectory("ipc4j-example-");
        Process server = new ProcessBuilder(serverCommand(runDir)).redirectErrorStream(true).start();
        boolean ok = false;
        try {
            // Read by a thread of its own, and never closed here: closing it while that thread reads would block.
            BufferedReader lines = server.inputReader(StandardCharsets.UTF_8);
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    for (String line; (line = lines.readLine()) != null; ) {
                        System.out.println("  [server] " + line);
                        if (line.startsWith("cache server ready")) {
                            ready.complete(null);
                        }
                    }
                } catch (java.io.IOException e) {
                    // the server is gone
                }
                ready.completeExceptionally(new IllegalStateException("the server ended before it was ready"));
            });
            ready.get(60, TimeUnit.SECONDS);
            ok = CacheClient.run(runDir, withMissing(), System.out);
        } finally {
            server.destroy(); // SIGTERM: its shutdown hook closes the server in good order
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
            try (var files = Files.list(runDir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(runDir);
        }
        System.exit(ok ? 0 : 1);
    }

    /** The command that starts a {@link CacheServer} in a new JVM like this one (same java, same module path). */
    static List<String> serverCommand(Path runDir) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=dev.ipc4j");
        command.add("--module-path");
        command.add(System.getProperty("jdk.module.path"));
        command.addAll(List.of("-m", "dev.ipc4j.examples/" + CacheServer.class.getName(), "--run-dir", runDir.toString()));
        return command;
    }

    private static List<String> withMissing() {
        List<String> keys = new ArrayList<>(CacheServer.VALUES.keySet());
        keys.add("missing");
        return keys;
    }
}
