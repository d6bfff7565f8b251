package dev.ipc4j.flatbuffers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.flatbuffers.FlatBufferBuilder;
import dev.ipc4j.flatbuffers.testschema.Blob;
import dev.ipc4j.flatbuffers.testschema.Kind;
import dev.ipc4j.flatbuffers.testschema.Note;
import dev.ipc4j.flatbuffers.testschema.Text;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.testing.NoLeaks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The module's generic classes (builder in shared memory, verifier, reader, codec) on a test-only schema, note.fbs, as a
 * user's schema would use them. The demo schema's tests, through the same classes, are in the samples module.
 */
class NoteSchemaTest {
    /** Every descriptor and /dev/shm object a test made here is gone after it (the one leak check). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final String ID = "I4TN";

    /** The verifier a user writes for note.fbs: Note{kind} with kind = Text{text} | Blob{id, data}. */
    static void verify(MemorySegment buffer) {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, FlatBufferVerifier.Limits.DEFAULT);
        int note = v.root(ID);
        v.enter();
        int type = v.unionType(note, 4, Kind.names.length - 1);
        int value = v.tableField(note, 6);
        if (value >= 0) {
            v.enter();
            switch (type) {
                case Kind.Text -> v.stringField(value, 4);
                case Kind.Blob -> {
                    v.field(value, 4, 8);
                    v.vectorField(value, 6, 1);
                }
                default -> throw new InvalidFlatBufferException("a union value without a type", value);
            }
            v.exit();
        }
        v.exit();
    }

    static final FlatBuffersCodec<Note> CODEC = FlatBuffersCodec.of(NoteSchemaTest::verify, Note::getRootAsNote, Note::kindType)
            .withJson(note -> "{\"kind\":\"" + Kind.name(note.kindType()) + "\"}");

    private static ShmArena arena() throws IOException {
        return ShmArena.create(ShmArena.Config.of("fbnote", "n" + NEXT.incrementAndGet()).withOwnership(ShmArena.Ownership.SHARED)
                .withSegmentSize(1 << 20).withLeakDetection(ShmArena.LeakDetection.ALL));
    }

    private static FlatBufferMessage blob(ShmArena arena, int initialCapacity, long id, int bytes) {
        try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, initialCapacity)) {
            FlatBufferBuilder b = shm.builder();
            ByteBuffer data = b.createUnintializedVector(1, bytes, 1);
            MemorySegment in = MemorySegment.ofBuffer(data); // the block itself: written once, in place
            for (int i = 0; i < bytes; i++) {
                in.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 3));
            }
            int blob = Blob.createBlob(b, id, b.endVector());
            return shm.finish(Note.createNote(b, Kind.Blob, blob), ID);
        }
    }

    @Test
    void aMessageBuiltInSharedMemoryIsVerifiedAndReadInPlace() throws Exception {
        try (ShmArena arena = arena()) {
            int growthsSeen;
            try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, 64)) {
                FlatBufferBuilder b = shm.builder();
                int blob = Blob.createBlob(b, 7, Blob.createDataVector(b, new byte[10_000]));
                growthsSeen = shm.growths();
                shm.finish(Note.createNote(b, Kind.Blob, blob), ID).close();
            }
            assertTrue(growthsSeen > 0, "64 bytes had to grow for 10,000");

            try (FlatBufferMessage message = blob(arena, 128 << 10, 42, 100_000)) {
                MemorySegment block = message.block().memory();
                assertEquals(block.byteSize(), (long) message.offset() + message.length(), "built back to front: the message ends the block");
                Note note = CODEC.read(message.memory());
                assertEquals(Kind.Blob, CODEC.typeOf(note));
                assertEquals("{\"kind\":\"Blob\"}", CODEC.toJson(note));
                Blob blob = (Blob) note.kind(new Blob());
                assertEquals(42, blob.id());
                MemorySegment data = MemorySegment.ofBuffer(blob.dataAsByteBuffer());
                assertEquals(100_000, data.byteSize());
                assertTrue(data.address() >= block.address() && data.address() + data.byteSize() <= block.address() + block.byteSize(),
                        "the data is a view of the block, not a copy");
                for (int i = 0; i < 100_000; i += 999) {
                    assertEquals((byte) (i * 7 + 3), data.get(ValueLayout.JAVA_BYTE, i));
                }
            }
            try (ShmFlatBufferBuilder shm = ShmFlatBufferBuilder.create(arena, 256)) {
                FlatBufferBuilder b = shm.builder();
                int text = Text.createText(b, b.createString("h\u00e9llo"));
                try (FlatBufferMessage message = shm.finish(Note.createNote(b, Kind.Text, text), ID)) {
                    Note note = CODEC.read(message.memory());
                    assertEquals(Kind.Text, CODEC.typeOf(note));
                    assertEquals("h\u00e9llo", ((Text) note.kind(new Text())).text());
                }
            }
            assertEquals(0, arena.liveBytes(), "every block went back, including the ones growth replaced");
        }
    }

    @Test
    void garbledBuffersGiveOnlyTypedErrors() throws Exception {
        try (ShmArena arena = arena(); FlatBufferMessage message = blob(arena, 1024, 1, 300);
             Arena scratch = Arena.ofConfined()) {
            byte[] good = message.memory().toArray(ValueLayout.JAVA_BYTE);
            MemorySegment buffer = scratch.allocate(good.length);
            Random random = new Random(11);
            int refused = 0;
            for (int round = 0; round < 2000; round++) {
                MemorySegment.copy(good, 0, buffer, ValueLayout.JAVA_BYTE, 0, good.length);
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    buffer.set(ValueLayout.JAVA_BYTE, random.nextInt(good.length), (byte) random.nextInt());
                }
                MemorySegment view = buffer.asSlice(0, 1 + random.nextInt(good.length));
                try {
                    Note note = CODEC.read(view);
                    Blob blob = (Blob) FlatBufferReader.read(() -> note.kind(new Blob()));
                    if (blob != null) { // verified: every accessor reads inside the buffer
                        assertTrue(FlatBufferReader.read(blob::dataLength) <= view.byteSize());
                    }
                } catch (FlatBufferPayloadException e) {
                    assertTrue(e.getCause() instanceof InvalidFlatBufferException, e.toString());
                    refused++;
                }
            }
            assertTrue(refused > 1000, "most garbled buffers are refused: " + refused);
            MemorySegment.copy(good, 0, buffer, ValueLayout.JAVA_BYTE, 0, good.length);
            buffer.set(ValueLayout.JAVA_BYTE, 4, (byte) 'X'); // the file identifier
            assertThrows(FlatBufferPayloadException.class, () -> CODEC.read(buffer));
            assertThrows(FlatBufferPayloadException.class, () -> CODEC.read(buffer.asSlice(0, 7)));
        }
    }

    @Test
    void aRootReaderWithoutVerificationStillFailsTypedAndTheReaderGuardConverts() {
        FlatBuffersCodec<Note> unchecked = FlatBuffersCodec.reading(payload -> Note.getRootAsNote(FlatBufferReader.view(payload)),
                Note::kindType);
        byte[] lie = new byte[16];
        ByteBuffer.wrap(lie).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 1 << 20); // a root offset far outside
        assertThrows(FlatBufferPayloadException.class, () -> unchecked.read(MemorySegment.ofArray(lie)));
        assertThrows(InvalidFlatBufferException.class, () -> FlatBufferReader.read(() -> ByteBuffer.allocate(2).getInt(0)));
    }
}
