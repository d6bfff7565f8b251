package dev.ipc4j.grpc;

import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import java.lang.foreign.MemorySegment;

/**
 * A marshaller's stream over a message already built in shared memory: over an ipc4j session it is sent as a handle to
 * that memory, not copied ({@link Payloads#write}). An interface of this package only, so that {@link Payloads} names
 * no optional dependency (FlatBuffers) of the module.
 */
interface HandleStream {
    /**
     * The message as an ipc4j message of {@code channel} that owns its memory from now on (this stream then owns
     * nothing), or null when its memory is not {@code channel}'s session's to lend (it is then copied, as any stream).
     */
    OutMessage adoptInto(MessageChannel<MemorySegment> channel);
}
