package dev.ipc4j.transport;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** The one timer thread that sends keep-alive pings and notices idle peers for every socket pipe of the process. */
final class KeepAlive {
    static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("ipc4j-keepalive").unstarted(r));

    private KeepAlive() {}
}
