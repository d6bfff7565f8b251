package dev.ipc4j.message;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What a call is opened with: the method it calls (a name, for the callee and for logs), the routing type that picks
 * the callee's {@link CallHandler}, an optional timeout (the deadline, sent to the callee, where it expires as a
 * cancellation), and headers.
 */
public record CallOptions(String method, int type, Optional<Duration> timeout, Metadata headers) {
    public CallOptions {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(headers, "headers");
        if (method.length() > 1024) {
            throw new IllegalArgumentException("a method name of at most 1024 characters");
        }
        if (timeout.isPresent() && timeout.get().isNegative()) {
            throw new IllegalArgumentException("a negative timeout");
        }
    }

    /** A call of {@code method} routed by {@code type}, no deadline, no headers. */
    public static CallOptions of(String method, int type) {
        return new CallOptions(method, type, Optional.empty(), Metadata.empty());
    }

    /** A copy with {@code timeout} replaced, checked like the rest. */
    public CallOptions withTimeout(Duration timeout) {
        return new CallOptions(method, type, Optional.of(timeout), headers);
    }

    /** A copy with {@code headers} replaced, checked like the rest. */
    public CallOptions withHeaders(Metadata headers) {
        return new CallOptions(method, type, timeout, headers);
    }
}
