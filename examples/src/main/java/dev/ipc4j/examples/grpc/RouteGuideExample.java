package dev.ipc4j.examples.grpc;

import dev.ipc4j.examples.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Both halves in one command: starts a {@link RouteGuideServer} process, runs a {@link RouteGuideClient} in this
 * process against it (over the session; its TCP port is the fallback), then stops the server. Uses a private run
 * directory, so it never meets another route guide server.
 *
 * <pre>./ipc4j example grpc</pre>
 */
public final class RouteGuideExample {
    private static final String READY = "route guide server ready";

    private RouteGuideExample() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Files.createTempDirectory("ipc4j-example-");
        boolean ok;
        try (ServerProcess server = ServerProcess.start(serverCommand(runDir), runDir, READY)) {
            String line = server.readyLine();
            ok = RouteGuideClient.run(runDir, "127.0.0.1:" + line.substring(line.lastIndexOf(' ') + 1), System.out);
        }
        System.exit(ok ? 0 : 1);
    }

    /** The command that starts a {@link RouteGuideServer} in a new JVM like this one (same java, same module path). */
    static List<String> serverCommand(Path runDir) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=dev.ipc4j,io.grpc.netty.shaded");
        command.add("--module-path");
        command.add(System.getProperty("jdk.module.path"));
        command.addAll(List.of("--add-modules", "ALL-MODULE-PATH")); // grpc-java's automatic modules' own dependencies
        String classPath = System.getProperty("java.class.path", "");
        if (!classPath.isEmpty()) { // a test's JVM: what its runner left on the class path (automatic modules read it)
            command.addAll(List.of("-cp", classPath));
        }
        command.addAll(List.of("-m", "dev.ipc4j.examples/" + RouteGuideServer.class.getName(), "--run-dir",
                runDir.toString(), "--port", "0"));
        return command;
    }
}
