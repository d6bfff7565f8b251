package dev.ipc4j.session;

import static dev.ipc4j.testing.ChildSide.say;

import dev.ipc4j.Ipc4j;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.RawCodec;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.shm.ShmSweeper;
import dev.ipc4j.transport.Channel;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fresh JVM that gives ipc4j its thread factory first, then uses everything that has a process-wide thread, and
 * reports: MADE (the names of the threads its factory made), FOREIGN (live ipc4j threads of those kinds it did not
 * make), NOT-DAEMON (of those it made), then REFUSED when a second factory is refused.
 */
public final class ProcessThreadsChild {
    /** The process-wide threads' names (the shared runner's and the session tasks' get a number appended). */
    static final List<String> KINDS = List.of("ipc4j-keepalive", "ipc4j-session-task", "ipc4j-shared-runner",
            "ipc4j-sweeper", "ipc4j-leak-detector");

    private ProcessThreadsChild() {}

    public static void main(String[] args) throws Exception {
        Path runDir = Path.of(args[0]);
        Set<Thread> made = ConcurrentHashMap.newKeySet();
        Ipc4j.useThreadFactory(r -> { // not daemons: ipc4j makes them so
            Thread t = Thread.ofPlatform().unstarted(r);
            made.add(t);
            return t;
        });
        Path shm = Files.createDirectories(runDir.resolve("shm"));
        try (ShmSweeper sweeper = ShmSweeper.start(new ShmSweeper.Places(shm, runDir), Duration.ofMinutes(1));
             SessionServer server = SessionServer.start(Apps.cache(runDir));
             ClientSession session = ClientSession.connect(Apps.WEB, Apps.cache(runDir),
                     ClientSession.Config.DEFAULT.withInitChannels(1));
             MessageChannel<MemorySegment> channel = MessageChannel.of(session, 0, RawCodec.INSTANCE);
             ShmArena arena = ShmArena.create(ShmArena.Config.of("threads", "a" + ProcessHandle.current().pid())
                     .withLeakDetection(ShmArena.LeakDetection.ALL))) {
            // A channel opened after log-in is set up on a session task, on both sides (this process is both).
            List<Channel> accepted = new CopyOnWriteArrayList<>();
            server.onSession(s -> s.onChannel(request -> {
                try {
                    accepted.add(request.accept());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
            session.openChannel("threads".getBytes(), Duration.ofSeconds(30)).close();
            for (Channel c : accepted) {
                c.close();
            }
            try (ShmBlock block = arena.allocate(4096)) {
                block.memory().set(ValueLayout.JAVA_BYTE, 0, (byte) 1);
            }
            Set<String> madeNames = new TreeSet<>();
            Set<String> notDaemon = new TreeSet<>();
            for (Thread t : made) {
                madeNames.add(kind(t.getName()));
                if (!t.isDaemon()) {
                    notDaemon.add(t.getName());
                }
            }
            Set<String> foreign = new TreeSet<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!kind(t.getName()).isEmpty() && !made.contains(t)) {
                    foreign.add(t.getName());
                }
            }
            say("MADE " + String.join(",", madeNames));
            say("FOREIGN " + String.join(",", foreign));
            say("NOT-DAEMON " + String.join(",", notDaemon));
            try {
                Ipc4j.useThreadFactory(Thread.ofPlatform().factory());
                say("ACCEPTED");
            } catch (IllegalStateException e) {
                say("REFUSED");
            }
            if (channel.isOpen() && sweeper != null && server != null) {
                say("BYE");
            }
        }
    }

    /** Which of {@link #KINDS} a thread name is, or "". */
    private static String kind(String name) {
        for (String k : KINDS) {
            if (name.equals(k) || name.startsWith(k + "-")) {
                return k;
            }
        }
        return "";
    }
}
