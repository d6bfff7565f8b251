package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeoutException;

/** The parent side of the socket baselines: a listening socket that accepts exactly one child. */
final class SocketHost implements PingPongTransport.Host {
    /** Called on the accepted socket before it becomes a link (e.g. TCP_NODELAY). */
    interface Tuning {
        void apply(SocketChannel channel) throws IOException;
    }

    private final ServerSocketChannel server;
    private final String address;
    private final WaitMode wait;
    private final Tuning tuning;
    private final Runnable cleanup;

    SocketHost(ServerSocketChannel server, String address, WaitMode wait, Tuning tuning, Runnable cleanup) {
        this.server = server;
        this.address = address;
        this.wait = wait;
        this.tuning = tuning;
        this.cleanup = cleanup;
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public PingPongTransport.Link accept(long deadlineNanos) throws IOException, TimeoutException {
        // A selector, so that waiting for a child that never comes ends at the deadline.
        server.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            server.register(selector, SelectionKey.OP_ACCEPT);
            while (true) {
                SocketChannel channel = server.accept();
                if (channel != null) {
                    tuning.apply(channel);
                    return new StreamLink(channel, wait);
                }
                Deadlines.check(deadlineNanos, "the child to connect to " + address);
                selector.select(Deadlines.millisLeft(deadlineNanos));
                selector.selectedKeys().clear();
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            cleanup.run();
        }
    }
}
