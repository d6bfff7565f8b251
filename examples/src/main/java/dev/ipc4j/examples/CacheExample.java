package dev.ipc4j.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
        ServerProcess server = ServerProcess.start(serverCommand(runDir), runDir, "cache server ready");
        boolean ok;
        try {
            ok = CacheClient.run(runDir, withMissing(), System.out);
        } finally {
            server.close();
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
