package dev.ipc4j.bench.harness;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Peer baseline: Aeron IPC ({@code aeron:ipc}), one exclusive publication and one subscription each way, driven by the
 * same harness as every other transport.
 *
 * <p>The media driver is embedded in the parent (measuring) process, which also owns its directory. Where the driver
 * runs does not touch the measured path: an IPC subscriber reads the publisher's log buffer directly, the driver only
 * sets things up and advances flow-control limits. A third JVM would add a process competing for the 2 vCPUs and
 * another thing to clean up. The driver runs one shared agent thread that sleeps when idle, so it does not compete
 * with the two ping-pong threads.
 *
 * <p>Wait modes: {@code spin} is Aeron's {@link BusySpinIdleStrategy}. Aeron has no blocking wait, so {@code block} is
 * its {@link BackoffIdleStrategy} (spin, then yield, then park 1 µs doubling to 1 ms), Aeron's default for
 * non-latency-critical agents.
 *
 * <p>The directory is {@code /dev/shm/aeron-ipc4j-bench-<pid>-<n>}: unique per run, so concurrent runs never share a
 * driver, deleted when the host closes. It does not start with {@code ipc4j}, so the core tests' /dev/shm leak check
 * never mistakes a running benchmark for a leak.
 */
public final class AeronIpcTransport implements PingPongTransport {
    private static final String CHANNEL = "aeron:ipc";
    /** Parent to child. */
    private static final int PING_STREAM = 1001;
    /** Child to parent. */
    private static final int PONG_STREAM = 1002;
    /** 8 MiB terms: room for tens of thousands of small messages in flight, and a small footprint in /dev/shm. */
    private static final int TERM_LENGTH = 8 * 1024 * 1024;
    private static final AtomicLong RUNS = new AtomicLong();

    @Override
    public String name() {
        return "aeron";
    }

    @Override
    public String description() {
        return "Aeron 1.51 aeron:ipc, exclusive publication each way, driver embedded in the parent "
                + "(spin: BusySpinIdleStrategy; block: BackoffIdleStrategy, Aeron has no blocking wait)";
    }

    @Override
    public Set<WaitMode> waits() {
        return EnumSet.allOf(WaitMode.class);
    }

    @Override
    public Host host(WaitMode wait, Path workDir, int payloadBytes) throws IOException {
        Path dir = Path.of("/dev/shm", "aeron-ipc4j-bench-" + ProcessHandle.current().pid() + "-" + RUNS.incrementAndGet());
        MediaDriver driver = null;
        Aeron aeron = null;
        try {
            driver = MediaDriver.launch(new MediaDriver.Context()
                    .aeronDirectoryName(dir.toString())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(new SleepingMillisIdleStrategy(1))
                    .ipcTermBufferLength(TERM_LENGTH)
                    .printConfigurationOnStart(false));
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir.toString()));
            ExclusivePublication publication = aeron.addExclusivePublication(CHANNEL, PING_STREAM);
            Subscription subscription = aeron.addSubscription(CHANNEL, PONG_STREAM);
            return new AeronHost(dir, driver, aeron, publication, subscription, wait);
        } catch (IllegalAccessError e) {
            throw new IOException("Aeron needs --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED on this JVM (./ipc4j bench adds it)", e);
        } catch (RuntimeException e) {
            CloseHelper.quietCloseAll(aeron, driver);
            FileTrees.delete(dir);
            throw new IOException("could not start the Aeron media driver in " + dir, e);
        }
    }

    @Override
    public Link connect(String address, WaitMode wait, int payloadBytes, long deadlineNanos) throws TimeoutException {
        Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(address));
        try {
            Subscription subscription = aeron.addSubscription(CHANNEL, PING_STREAM);
            ExclusivePublication publication = aeron.addExclusivePublication(CHANNEL, PONG_STREAM);
            awaitConnected(publication, subscription, deadlineNanos);
            return new AeronLink(aeron, publication, subscription, idleStrategy(wait));
        } catch (TimeoutException | RuntimeException e) {
            CloseHelper.quietClose(aeron);
            throw e;
        }
    }

    private static IdleStrategy idleStrategy(WaitMode wait) {
        return wait == WaitMode.SPIN ? new BusySpinIdleStrategy() : new BackoffIdleStrategy();
    }

    /** Both directions are connected when our publication has a subscriber and our subscription an image. */
    private static void awaitConnected(ExclusivePublication publication, Subscription subscription, long deadlineNanos)
            throws TimeoutException {
        IdleStrategy idle = new SleepingMillisIdleStrategy(1);
        while (!publication.isConnected() || !subscription.isConnected()) {
            Deadlines.check(deadlineNanos, "the Aeron peer to connect");
            idle.idle();
        }
    }

    private static final class AeronHost implements Host {
        private final Path dir;
        private final MediaDriver driver;
        private final Aeron aeron;
        private final ExclusivePublication publication;
        private final Subscription subscription;
        private final WaitMode wait;

        AeronHost(Path dir, MediaDriver driver, Aeron aeron, ExclusivePublication publication, Subscription subscription, WaitMode wait) {
            this.dir = dir;
            this.driver = driver;
            this.aeron = aeron;
            this.publication = publication;
            this.subscription = subscription;
            this.wait = wait;
        }

        @Override
        public String address() {
            return dir.toString();
        }

        @Override
        public Link accept(long deadlineNanos) throws TimeoutException {
            awaitConnected(publication, subscription, deadlineNanos);
            // The host keeps the client and driver: they must outlive the child's client, which closes first.
            return new AeronLink(null, publication, subscription, idleStrategy(wait));
        }

        @Override
        public void close() throws IOException {
            CloseHelper.quietCloseAll(publication, subscription, aeron, driver);
            FileTrees.delete(dir);
        }
    }
}
