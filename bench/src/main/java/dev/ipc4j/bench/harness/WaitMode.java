package dev.ipc4j.bench.harness;

import dev.ipc4j.session.SessionConfig;
import dev.ipc4j.transport.Channel;
import dev.ipc4j.transport.Runner;
import dev.ipc4j.transport.WaitStrategy;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a transport waits for the next message. Every result names its wait mode, because the same transport differs by
 * orders of magnitude between the two (and busy spin collapses when both processes share one vCPU).
 */
public enum WaitMode {
    /** Busy-poll without ever giving the CPU away: lowest latency, burns a core per waiting side. */
    SPIN,
    /** Let the kernel put the waiting thread to sleep (or the transport's closest equivalent, documented per transport). */
    BLOCK,
    /**
     * The library's default ({@link WaitStrategy#backoff()}): spin a few microseconds, yield a few times, then sleep as
     * {@link #BLOCK} does. What a user who sets nothing gets.
     */
    BACKOFF;

    private static final Map<WaitMode, Runner> RUNNERS = new EnumMap<>(WaitMode.class);

    /** The ring wait strategy of this mode: busy spin, park at once, or the default backoff. */
    public WaitStrategy strategy() {
        return switch (this) {
            case SPIN -> WaitStrategy.busySpin();
            case BLOCK -> WaitStrategy.blocking();
            case BACKOFF -> WaitStrategy.backoff();
        };
    }

    /** How result lines name this mode's wait, e.g. "blocking (WaitStrategy.blocking: park at once)". */
    public String describe() {
        return switch (this) {
            case SPIN -> "busy spin (WaitStrategy.busySpin)";
            case BLOCK -> "blocking (WaitStrategy.blocking: park at once, woken through the ring's doorbell)";
            case BACKOFF -> "the library's default (WaitStrategy.backoff: spin up to a few microseconds, yield, then park"
                    + " as blocking does)";
        };
    }

    /**
     * The runner whose thread waits this way, one per mode in this JVM, for the sessions and message channels of a run
     * in this mode (its thread ends whenever it drives nothing, so it is never closed).
     */
    public Runner runner() {
        synchronized (RUNNERS) {
            return RUNNERS.computeIfAbsent(this, m -> Runner.start(Runner.Config.DEFAULT.withWait(m.strategy())
                    .withName("ipc4j-bench-" + m.label())));
        }
    }

    /**
     * The library's session defaults but for this mode's wait, on the rings and on the runner that drives the session
     * ({@link #runner()}); {@link #BACKOFF} is the defaults themselves (the shared runner, which backs off).
     */
    public SessionConfig sessionConfig() {
        if (this == BACKOFF) {
            return SessionConfig.DEFAULT;
        }
        return SessionConfig.DEFAULT.withChannels(Channel.Config.DEFAULT.withWait(strategy())).withRunner(runner());
    }

    /** The name used on the command line and in JSON: {@code spin}, {@code block} or {@code backoff}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WaitMode parse(String label) {
        for (WaitMode mode : values()) {
            if (mode.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown wait mode '" + label + "' (spin, block or backoff)");
    }
}
