package dev.ipc4j.message;

/**
 * The callee's side of calls of one routing type ({@link MessageEndpoint#onCall}): given each call as it opens (inline
 * on the driving thread), it returns the listener for the call's messages; it answers through the {@link Call}.
 */
@FunctionalInterface
public interface CallHandler<R> {
    CallListener<R> onCall(Call<R> call);
}
