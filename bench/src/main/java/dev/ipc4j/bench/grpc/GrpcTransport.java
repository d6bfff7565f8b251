package dev.ipc4j.bench.grpc;

import java.util.Locale;

/** The transports bench grpc compares, each with the label its JSON rows carry. */
public enum GrpcTransport {
    /** ipc4j: a session to the server process, each call an ipc4j call, messages in shared memory. */
    IPC4J("ipc4j"),
    /** grpc-netty over loopback TCP, to the same server process. */
    NETTY_TCP("netty-tcp"),
    /** grpc-netty over a Unix domain socket (epoll), to the same server process. */
    NETTY_UDS("netty-uds"),
    /** grpc's in-process transport: client and server in this JVM, no transport at all (the floor). */
    INPROCESS("inprocess");

    private final String label;

    GrpcTransport(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The transport a label names. */
    public static GrpcTransport parse(String label) {
        for (GrpcTransport t : values()) {
            if (t.label.equals(label.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown transport '" + label + "' (ipc4j, netty-tcp, netty-uds, inprocess)");
    }
}
