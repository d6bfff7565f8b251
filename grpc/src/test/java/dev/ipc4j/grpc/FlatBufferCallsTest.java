package dev.ipc4j.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ipc4j.grpc.fbs.Blob;
import dev.ipc4j.testing.JvmChild;
import dev.ipc4j.testing.NoLeaks;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * FlatBuffers methods ({@link FlatBuffer#marshaller}) between two processes: a message built in the session's shared
 * memory crosses as a handle only (counted by each sender), a large one is read where it was built until its receiver
 * closes it (then a read throws), a small one is copied, a message the verifier rejects ends its call alone; and the
 * same methods over TCP and in process, where FlatBuffer is an ordinary gRPC message.
 */
class FlatBufferCallsTest {
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();
    private static final long WAIT_S = JvmChild.TIMEOUT.toSeconds();
    private static final int LARGE = 1 << 20;

    @TempDir
    Path runDir;

    @BeforeAll
    static void warmUp(@TempDir Path dir) throws Exception {
        InteropServers.warmUpTcp(dir);
    }

    @Test
    void overAnIpc4jSessionABuiltMessageCrossesAsAHandleAndIsReadInPlace() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        Ipc4jChannel channel = Ipc4jGrpc.channel(InteropServerMain.CLIENT, InteropServerMain.app(runDir))
                .maxInboundMessageSize(64 << 20).build();
        try {
            long handlesBefore = Payloads.HANDLES_SENT.sum();
            long serverHandlesBefore = serverHandlesSent(channel);
            FlatBuffer request = BlobService.blob(channel.arena(), 3, pattern(LARGE));
            ByteBuffer reply;
            try (FlatBuffer response = echo(channel, request)) {
                assertEquals(handlesBefore + 1, Payloads.HANDLES_SENT.sum(), "the request went as a handle");
                Blob blob = response.root(Blob::getRootAsBlob);
                assertEquals(3 * 16 + 1 + 2 + 4, blob.id(), "the service read it in place, over ipc4j, and a read after"
                        + " its close threw");
                assertTrue(response.isInPlace(), "the response is read where the server built it: " + response);
                assertEquals(pattern(LARGE), blob.dataAsByteBuffer());
                reply = response.buffer();
            }
            assertThrows(IllegalStateException.class, () -> reply.get(0), "a read after the close");
            assertEquals(serverHandlesBefore + 1, serverHandlesSent(channel), "the response went as a handle");
            assertThrows(IllegalStateException.class, () -> request.memory(), "a message sent is gRPC's");

            // Built on the heap: copied once into the session's memory, not a handle; the same answer.
            long handles = Payloads.HANDLES_SENT.sum();
            try (FlatBuffer response = echo(channel, BlobService.blob(null, 5, pattern(LARGE)))) {
                assertEquals(handles, Payloads.HANDLES_SENT.sum(), "a heap message is copied");
                assertEquals(5 * 16 + 1 + 2 + 4, response.root(Blob::getRootAsBlob).id());
                assertEquals(pattern(LARGE), response.root(Blob::getRootAsBlob).dataAsByteBuffer());
            }

            // Small: crosses (inside its frame) and is copied on the way in; it outlives nothing.
            try (FlatBuffer response = echo(channel, BlobService.blob(channel.arena(), 6, pattern(1000)))) {
                assertFalse(response.isInPlace(), "a small response is a copy");
                assertEquals(6 * 16 + 2, response.root(Blob::getRootAsBlob).id(), "the service got a copy too");
                assertEquals(pattern(1000), response.root(Blob::getRootAsBlob).dataAsByteBuffer());
            }

            rejectsWhatTheVerifierRejects(channel);
        } finally {
            InteropServers.close(channel);
            server.stop();
        }
    }

    @Test
    void overTcpAndInProcessAFlatBufferIsAnOrdinaryMessage() throws Exception {
        InteropServers.Started server = InteropServers.start(runDir);
        ManagedChannel tcp = Grpc.newChannelBuilder("127.0.0.1:" + server.tcpPort(), InsecureChannelCredentials.create())
                .maxInboundMessageSize(64 << 20).build();
        String name = InProcessServerBuilder.generateName();
        Server local = InProcessServerBuilder.forName(name).addService(BlobService.definition()).build().start();
        ManagedChannel inProcess = InProcessChannelBuilder.forName(name).build();
        try {
            for (Channel channel : new Channel[] {tcp, inProcess}) {
                try (FlatBuffer response = echo(channel, BlobService.blob(null, 2, pattern(LARGE)))) {
                    assertFalse(response.isInPlace());
                    assertEquals(2 * 16, response.root(Blob::getRootAsBlob).id(), "a heap copy (its reads never end): "
                            + channel);
                    assertEquals(pattern(LARGE), response.root(Blob::getRootAsBlob).dataAsByteBuffer());
                }
                rejectsWhatTheVerifierRejects(channel);
            }
        } finally {
            InteropServers.close(tcp, inProcess);
            local.shutdownNow();
            assertTrue(local.awaitTermination(WAIT_S, TimeUnit.SECONDS));
            server.stop();
        }
    }

    /** A request that is no Blob ends its call with UNKNOWN, as grpc's servers answer one they cannot parse; the channel goes on. */
    private static void rejectsWhatTheVerifierRejects(Channel channel) {
        FlatBuffer garbage = FlatBuffer.of(ByteBuffer.wrap(new byte[] {(byte) 0xff, 0x7f, 0, 0, 1, 2, 3, 4}));
        StatusRuntimeException rejected = assertThrows(StatusRuntimeException.class, () -> echo(channel, garbage));
        assertEquals(Status.Code.UNKNOWN, rejected.getStatus().getCode(), channel + ": " + rejected.getStatus());
        try (FlatBuffer response = echo(channel, BlobService.blob(null, 1, pattern(10)))) {
            assertEquals(pattern(10), response.root(Blob::getRootAsBlob).dataAsByteBuffer(), "the channel goes on");
        }
    }

    private static FlatBuffer echo(Channel channel, FlatBuffer request) {
        return ClientCalls.blockingUnaryCall(channel, BlobService.ECHO,
                CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS), request);
    }

    private static long serverHandlesSent(Channel channel) {
        try (FlatBuffer count = ClientCalls.blockingUnaryCall(channel, BlobService.HANDLES_SENT,
                CallOptions.DEFAULT.withDeadlineAfter(WAIT_S, TimeUnit.SECONDS), BlobService.blob(null, 0, pattern(0)))) {
            return count.root(Blob::getRootAsBlob).id();
        }
    }

    private static ByteBuffer pattern(int size) {
        ByteBuffer b = ByteBuffer.allocate(size);
        for (int i = 0; i < size; i++) {
            b.put((byte) (i * 31 + 7));
        }
        return b.flip();
    }
}
