package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.ipc4j.examples.grpc.RouteGuideServer;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ipc4j gateway} in front of the gRPC example's server in another JVM, called with the real {@code curl}: JSON
 * answers for a unary call, newline-delimited JSON for a server stream, a client stream from NDJSON lines, and the
 * right HTTP status with a one-line JSON error for a bad method, body or verb.
 */
class GatewayCommandTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final String SERVICE = "/ipc4j.examples.routeguide.RouteGuide/";

    /**
     * The JDK's NIO keeps one socket for the life of the JVM from its first socket channel on (the half of a socket
     * pair it dup2s over descriptors it closes early): made before the leak check's baseline, it is not counted as
     * the gateway's. The HTTP server is the first NIO socket of this test JVM.
     */
    @BeforeAll
    static void nioIsInitialised() throws IOException {
        java.nio.channels.SocketChannel.open().close();
    }

    /** curl's answer: the body's lines and the HTTP status. */
    private record Answer(List<String> lines, int status) {}

    @Test
    void curlCallsTheGrpcExampleThroughTheGateway(@TempDir Path runDir) throws Exception {
        try (JvmChild server = JvmChild.start(RouteGuideServer.class, "--run-dir", runDir.toString(), "--port", "0")) {
            server.expect("route guide server ready");
            CommandLine cl = Main.commandLine();
            GatewayCommand gateway = cl.getSubcommands().get("gateway").getCommand();
            Thread serving = Thread.ofPlatform().name("gateway-under-test").start(
                    () -> cl.execute("gateway", "route-guide", "--port", "0", "--run-dir", runDir.toString()));
            assertTrue(gateway.ready.await(60, TimeUnit.SECONDS), "the gateway learnt the server's methods and serves");
            String base = "http://127.0.0.1:" + gateway.served.address().getPort() + SERVICE;
            try {
                Answer place = curl(base + "GetPlace", "-d", "{\"latitude\":401000000,\"longitude\":-749000000}");
                assertEquals(200, place.status());
                assertEquals(List.of("{\"name\":\"place 1-1\",\"location\":{\"latitude\":401000000,\"longitude\":-749000000}}"),
                        place.lines());

                Answer area = curl(base + "ListPlaces", "-d", "{\"low\":{\"latitude\":400000000,\"longitude\":-750000000},"
                        + "\"high\":{\"latitude\":401000000,\"longitude\":-749000000}}");
                assertEquals(200, area.status());
                assertEquals(3, area.lines().size(), "a line per place of the stream: " + area.lines());
                for (String line : area.lines()) {
                    assertTrue(json(line).containsFields("name"), line);
                }

                Answer route = curl(base + "RecordRoute", "--data-binary",
                        "{\"latitude\":401000000,\"longitude\":-749000000}\n{\"latitude\":400000000,\"longitude\":-749000000}\n");
                assertEquals(200, route.status());
                assertEquals(2.0, json(route.lines().getFirst()).getFieldsOrThrow("pointCount").getNumberValue(), route.lines().toString());

                assertError(curl(base + "Nope", "-d", "{}"), 404, Status.Code.NOT_FOUND);
                assertError(curl(base + "GetPlace", "-d", "{\"latitude\":\"north\"}"), 400, Status.Code.INVALID_ARGUMENT);
                assertError(curl(base + "GetPlace", "-d", "not json"), 400, Status.Code.INVALID_ARGUMENT);
                assertError(curl(base + "GetPlace", "-X", "GET"), 405, Status.Code.UNIMPLEMENTED);
            } finally {
                serving.interrupt();
                serving.join(30_000);
            }
            server.process().destroy(); // SIGTERM: the example's hook shuts it down in order
            assertEquals(143, server.awaitExit(), "ended by SIGTERM, after its shutdown hook");
        }
    }

    private static void assertError(Answer a, int http, Status.Code code) throws IOException {
        assertEquals(http, a.status(), a.lines().toString());
        assertEquals(1, a.lines().size(), "one line: " + a.lines());
        Struct error = json(a.lines().getFirst()).getFieldsOrThrow("error").getStructValue();
        assertEquals(code.name(), error.getFieldsOrThrow("code").getStringValue());
        assertTrue(!error.getFieldsOrThrow("message").getStringValue().isEmpty());
    }

    /** {@code line} parsed as a JSON object: it must be one. */
    private static Struct json(String line) throws IOException {
        Struct.Builder b = Struct.newBuilder();
        JsonFormat.parser().merge(line, b);
        return b.build();
    }

    private static Answer curl(String url, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-w", "\n%{http_code}"));
        command.addAll(List.of(args));
        command.add(url);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        List<String> lines = new ArrayList<>(out.lines().toList());
        int status = Integer.parseInt(lines.removeLast());
        lines.removeIf(String::isEmpty);
        return new Answer(lines, status);
    }
}
