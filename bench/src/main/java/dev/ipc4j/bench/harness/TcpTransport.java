package dev.ipc4j.bench.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * Baseline: loopback TCP (127.0.0.1 only, never a routable address) with TCP_NODELAY so a 64-byte message leaves at
 * once instead of waiting for Nagle's algorithm; fixed-size messages, no framing.
 */
public final class TcpTransport implements PingPongTransport {
    @Override
    public String name() {
        return "tcp";
    }

    @Override
    public String description() {
        return "JDK SocketChannel, TCP on 127.0.0.1 with TCP_NODELAY, no framing (block / spin as for unix)";
    }

    @Override
    public Set<WaitMode> waits() {
        return EnumSet.of(WaitMode.SPIN, WaitMode.BLOCK); // a socket has no backoff of its own
    }

    @Override
    public Host host(WaitMode wait, Path workDir, int payloadBytes) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        return new SocketHost(server, "127.0.0.1:" + port, wait, TcpTransport::tune, () -> {});
    }

    @Override
    public Link connect(String address, WaitMode wait, int payloadBytes, long deadlineNanos) throws IOException {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(
                InetAddress.getByName(address.substring(0, colon)), Integer.parseInt(address.substring(colon + 1)));
        if (!target.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the TCP baseline stays on loopback; got " + address);
        }
        SocketChannel channel = SocketChannel.open(target);
        tune(channel);
        return new StreamLink(channel, wait);
    }

    private static void tune(SocketChannel channel) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    }
}
