package dev.ipc4j.grpc;

import dev.ipc4j.message.InMessage;
import dev.ipc4j.message.MessageChannel;
import dev.ipc4j.message.OutMessage;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.LongAdder;

/**
 * A gRPC message into an ipc4j message and back, through the method's marshallers.
 *
 * <p>Writing: a marshaller whose stream knows its length (protobuf's does) is drained straight into the message's
 * payload, which on a ring channel is the session's shared memory: the message is serialised once, where the peer
 * reads it, with no copy besides. A message already built in the session's shared memory ({@link HandleStream}:
 * {@link FlatBuffer}) is sent as a handle to that memory: no copy at all. Any other marshaller is read into a byte
 * array first (one copy more).
 *
 * <p>Reading: the payload, in place, is the marshaller's input stream, with its exact length known (protobuf's
 * marshaller then reads it into one buffer and parses that: one copy; a marshaller that reads the stream itself copies
 * nothing more than it keeps). The message is released once the marshaller returns, unless the marshaller took it
 * ({@link SegmentInput#take}: a {@link FlatBuffer} read in place).
 */
final class Payloads {
    /** Messages sent as a handle to memory they were built in ({@link HandleStream}): no copy at all. */
    static final LongAdder HANDLES_SENT = new LongAdder();

    private Payloads() {}

    /** {@code message} as an ipc4j message of {@code channel} (the caller closes it once sent). */
    static <T> OutMessage write(MessageChannel<MemorySegment> channel, MethodDescriptor.Marshaller<T> marshaller, T message)
            throws IOException {
        try (InputStream in = marshaller.stream(message)) {
            if (in instanceof HandleStream h) {
                OutMessage adopted = h.adoptInto(channel);
                if (adopted != null) {
                    HANDLES_SENT.increment();
                    return adopted;
                }
            }
            if (in instanceof KnownLength) {
                int length = in.available();
                OutMessage out = channel.newMessage(length, Ipc4jGrpc.CALL_TYPE);
                try {
                    SegmentOutput sink = new SegmentOutput(out.payload());
                    if (in instanceof Drainable d) {
                        d.drainTo(sink);
                    } else {
                        in.transferTo(sink);
                    }
                    out.commit(sink.position);
                    return out;
                } catch (IOException | RuntimeException e) {
                    out.close();
                    throw e;
                }
            }
            byte[] bytes = in.readAllBytes();
            OutMessage out = channel.newMessage(bytes.length, Ipc4jGrpc.CALL_TYPE);
            MemorySegment.copy(MemorySegment.ofArray(bytes), 0, out.payload(), 0, bytes.length);
            return out.commit(bytes.length);
        }
    }

    /** Parses {@code message} (and closes it) with {@code marshaller}. */
    static <T> T read(InMessage<MemorySegment> message, MethodDescriptor.Marshaller<T> marshaller) {
        SegmentInput in = new SegmentInput(message);
        try {
            return marshaller.parse(in);
        } finally {
            if (!in.taken) {
                message.close();
            }
        }
    }

    /** Writes into a segment, never past it: a marshaller that claimed a wrong length fails, never scribbles. */
    private static final class SegmentOutput extends OutputStream {
        private final MemorySegment into;
        long position;

        SegmentOutput(MemorySegment into) {
            this.into = into;
        }

        @Override
        public void write(int b) throws IOException {
            room(1);
            into.set(ValueLayout.JAVA_BYTE, position++, (byte) b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            room(len);
            MemorySegment.copy(b, off, into, ValueLayout.JAVA_BYTE, position, len);
            position += len;
        }

        private void room(long n) throws IOException {
            if (into.byteSize() - position < n) {
                throw new IOException("the marshaller wrote more than the " + into.byteSize() + " bytes its stream said");
            }
        }
    }

    /**
     * Reads a message's payload in place; its length is known, as protobuf's marshaller wants it. A marshaller of this
     * module may {@link #take} the message itself instead, to keep reading it in place after the parse.
     */
    static final class SegmentInput extends SegmentStream {
        private final InMessage<MemorySegment> message;
        private boolean taken;

        SegmentInput(InMessage<MemorySegment> message) {
            super(message.payload());
            this.message = message;
        }

        /** The message, which the caller closes from now on (not {@link Payloads#read}). */
        InMessage<MemorySegment> take() {
            taken = true;
            return message;
        }
    }
}
