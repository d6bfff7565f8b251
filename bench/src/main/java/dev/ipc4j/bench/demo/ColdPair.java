package dev.ipc4j.bench.demo;

/**
 * What one fresh pair of {@code demo --cold} measured, in nanoseconds.
 *
 * @param aot whether both JVMs started with an ahead-of-time cache
 * @param rtt its first round trip
 * @param toMain from the parent starting the client process to the client's {@code main}
 * @param toLogin from the parent starting the client process to its log-in done (session and both channels open)
 */
record ColdPair(long size, DemoMode mode, boolean aot, long rtt, long toMain, long toLogin) {
    /** From starting the client process to its first round trip done (not counting the server's build). */
    long toFirst() {
        return toLogin + rtt;
    }
}
