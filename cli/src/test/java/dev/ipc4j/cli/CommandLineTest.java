package dev.ipc4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Issue 14's one command line: every command of the tree, the tools included, is listed by {@code ipc4j --help}, answers
 * {@code --help}, and meets a bad invocation with exit code 2 and one line that names the bad word. Nothing here runs a
 * tool: parsing fails, or help is printed, before anything would start.
 */
class CommandLineTest {
    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine().setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Every command under the root, as the words that name it: [demo], [bench, small], [example, cache], ... */
    static List<String> commands() {
        List<String> all = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : Main.commandLine().getSubcommands().entrySet()) {
            all.add(e.getKey());
            for (String sub : e.getValue().getSubcommands().keySet()) {
                all.add(e.getKey() + " " + sub);
            }
        }
        return all;
    }

    @Test
    void theTreeHoldsTheToolsToo() {
        List<String> all = commands();
        for (String expected : List.of("demo", "bench small", "bench messages", "bench load", "bench grpc", "bench pubsub", "jmh", "example cache",
                "example cache-server", "example cache-client", "example grpc", "example grpc-server", "example grpc-client",
                "ls", "clean", "version")) {
            assertTrue(all.contains(expected), expected + " in " + all);
        }
    }

    @Test
    void rootHelpListsEveryCommand() {
        Run r = run("--help");
        assertEquals(0, r.code, r.err);
        for (String command : commands()) {
            assertTrue(r.out.contains("\n  " + command + " "), command + " missing from:\n" + r.out);
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandAnswersHelp(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add(command.equals("help") ? "ls" : "--help");
        Run r = run(args.toArray(String[]::new));
        assertEquals(0, r.code, r.err);
        assertTrue(r.out.contains("Usage: ipc4j " + (command.equals("help") ? "ls" : command)), r.out);
        assertEquals("", r.err);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "nope                                   | 'nope'",
            "bench nope                             | 'nope'",
            "bench                                  | small, messages, load, grpc, pubsub",
            "bench grpc --transports pigeon         | 'pigeon'",
            "example                                | cache, cache-server, cache-client, grpc, grpc-server, grpc-client",
            "example grpc-server --port many        | 'many'",
            "example cache --loud                   | '--loud'",
            "demo --fast                            | '--fast'",
            "demo --sizes 1TiB                      | '1TiB'",
            "demo --iterations many                 | 'many'",
            "demo --zero-copy capnp                 | 'capnp'",
            "bench small --transports pigeon        | 'pigeon'",
            "bench small --payload 4096             | --payload",
            "bench messages --waits sometimes       | 'sometimes'",
            "bench load --clients                   | '--clients'",
            "bench load --wait sometimes            | 'sometimes'",
            "jmh -zz                                | z",
            "ls --bogus                             | '--bogus'",
            "clean extra                            | 'extra'",
            "version --verbose                      | '--verbose'"})
    void aBadInvocationExitsTwoWithOneLineNamingTheWord(String args, String named) {
        Run r = run(args.trim().split(" +"));
        assertEquals(2, r.code, r.out + r.err);
        assertEquals(1, r.err.lines().count(), "one line:\n" + r.err);
        assertTrue(r.err.startsWith("ipc4j"), r.err);
        assertTrue(r.err.contains(named), named + " not named in: " + r.err);
        assertEquals("", r.out);
    }
}
