package dev.ipc4j.message;

/**
 * The callee's side of calls of one routing type ({@link MessageEndpoint#onCall}): given each call as it opens (inline
 * on the driving thread), it returns the listener for the call's messages; it answers through the {@link Call}.
 */
@FunctionalInterface
public interface CallHandler<R> {
    /** Called when {@code call} opens; returns what receives its messages and its end. */
    CallListener<R> onCall(Call<R> call);
}
