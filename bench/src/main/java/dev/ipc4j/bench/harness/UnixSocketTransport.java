package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Baseline: the JDK's {@link SocketChannel} over a Unix stream socket ({@link UnixDomainSocketAddress}), fixed-size
 * messages with no framing. What "RingPipe in blocking mode no worse than a raw Unix socket" and "SocketPipe within
 * 1.2x of a raw Unix socket" compare with.
 */
public final class UnixSocketTransport implements PingPongTransport {
    @Override
    public String name() {
        return "unix";
    }

    @Override
    public String description() {
        return "JDK SocketChannel, Unix stream socket, no framing (block: blocking read/write; spin: non-blocking polled)";
    }

    @Override
    public Set<WaitMode> waits() {
        return EnumSet.of(WaitMode.SPIN, WaitMode.BLOCK); // a socket has no backoff of its own
    }

    @Override
    public Host host(WaitMode wait, Path workDir, int payloadBytes) throws IOException {
        Path path = workDir.resolve("pingpong.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        return new SocketHost(server, path.toString(), wait, channel -> {}, () -> {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    public Link connect(String address, WaitMode wait, int payloadBytes, long deadlineNanos) throws IOException {
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(address));
        return new StreamLink(channel, wait);
    }
}
