package dev.ipc4j.bench.harness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transports {@code bench small} knows, by name, in the order they are run and printed. Adding ipc4j's own pipes
 * is one adapter class each plus one line here.
 */
public final class Transports {
    private static final Map<String, PingPongTransport> ALL = new LinkedHashMap<>();

    static {
        register(new UnixSocketTransport());
        register(new TcpTransport());
        register(new AeronIpcTransport());
        register(Ipc4jChannelTransport.ring());
        register(Ipc4jChannelTransport.socketPipe());
    }

    private Transports() {}

    private static void register(PingPongTransport transport) {
        ALL.put(transport.name(), transport);
    }

    /** Every transport, in run order. */
    public static List<PingPongTransport> all() {
        return List.copyOf(ALL.values());
    }

    public static PingPongTransport named(String name) {
        PingPongTransport transport = ALL.get(name);
        if (transport == null) {
            throw new IllegalArgumentException("unknown transport '" + name + "'; known: " + String.join(", ", ALL.keySet()));
        }
        return transport;
    }
}
