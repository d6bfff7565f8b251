package dev.ipc4j.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The child's end of {@link JvmChild}'s line protocol. A child never outlives its test: it exits when it reads the end
 * of stdin (the parent is gone) and, whatever it is doing, after {@link JvmChild#CHILD_LIFETIME}.
 */
public final class ChildSide {
    private static final BufferedReader IN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    static {
        var watchdog = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        watchdog.schedule(() -> Runtime.getRuntime().halt(98), JvmChild.CHILD_LIFETIME.toSeconds(), TimeUnit.SECONDS);
    }

    private ChildSide() {}

    /** Prints one line to the parent. */
    public static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** Reads the parent's next line; exits the JVM when the parent has gone. */
    public static String hear() {
        try {
            String line = IN.readLine();
            if (line == null) {
                System.exit(97);
            }
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the parent's next line and fails unless it is {@code expected}. */
    public static void hear(String expected) {
        String line = hear();
        if (!line.equals(expected)) {
            throw new IllegalStateException("parent said '" + line + "', expected '" + expected + "'");
        }
    }
}
