package dev.ipc4j.session;

import dev.ipc4j.os.Threads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The threads for the sessions' blocking set-up work, shared by every session of the process: setting a channel up
 * (a handshake with the peer), running the user's {@code onChannel} handler (which accepts, i.e. sets a channel up),
 * and a graceful end's wait for the user to finish reading. A thread exists only while such work runs and ends after
 * two idle seconds, so a process whose sessions just exchange messages has none; reading the sessions' sockets is the
 * runner's job ({@link SessionConfig#runner()}).
 *
 * <p>Not bounded by a fixed number on purpose: a set-up waits for the peer's half, which in a process hosting both
 * ends (tests, or a client and a server in one JVM) may be queued behind it; a fixed pool could deadlock there until
 * the handshake timeout. The count is bounded by the channels being set up at once.
 */
final class SessionTasks {
    static final ExecutorService EXECUTOR = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 2, TimeUnit.SECONDS,
            new SynchronousQueue<>(), Threads.processWide("ipc4j-session-task"));

    private SessionTasks() {}
}
