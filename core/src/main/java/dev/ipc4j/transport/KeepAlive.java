package dev.ipc4j.transport;

import dev.ipc4j.os.Threads;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The one timer thread that sends keep-alive pings and notices idle peers for every socket pipe of the process. */
final class KeepAlive {
    static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(
            Threads.processWide("ipc4j-keepalive"));

    private KeepAlive() {}
}
