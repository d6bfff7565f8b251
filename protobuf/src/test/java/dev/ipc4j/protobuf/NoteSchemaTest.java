package dev.ipc4j.protobuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.ipc4j.message.InvalidPayloadException;
import dev.ipc4j.protobuf.testschema.Note;
import dev.ipc4j.shm.Lease;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import dev.ipc4j.testing.NoLeaks;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The module's generic classes (ShmProtobuf, ProtobufCodec, ParseLimits, ProtobufJson) on a test-only schema,
 * note.proto, as a user's schema would use them. The demo schema's tests, through the same classes, are in the samples
 * module. This one also guards the protobuf-java pin in the root pom: it fails if parsing stops aliasing bytes fields.
 */
class NoteSchemaTest {
    /** Every descriptor and /dev/shm object a test made here is gone after it (the one leak check). */
    @RegisterExtension
    static final NoLeaks NO_LEAKS = new NoLeaks();

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ProtobufCodec<Note> CODEC = ProtobufCodec.of(Note.parser(), note -> note.getKindCase().getNumber());

    private static ShmArena arena(ShmArena.Ownership ownership) throws IOException {
        return ShmArena.create(ShmArena.Config.of("pbnote", "n" + NEXT.incrementAndGet()).withSharing(ShmArena.Sharing.BY_NAME).withOwnership(ownership)
                .withSegmentSize(1 << 20).withLeakDetection(ShmArena.LeakDetection.ALL));
    }

    private static Note blob(int bytes) {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            data[i] = (byte) (i * 13 + 1);
        }
        return Note.newBuilder().setBlob(ByteString.copyFrom(data)).build();
    }

    @Test
    void aMessageWrittenIntoSharedMemoryIsParsedInPlaceWithAliasedBytes() throws Exception {
        try (ShmArena arena = arena(ShmArena.Ownership.OWNED);
             ShmArena peer = ShmArena.attach(arena.name());
             ShmBlock block = ShmProtobuf.write(arena, blob(64 << 10));
             Lease lease = peer.borrow(arena.lend(block))) {
            assertEquals(blob(64 << 10).getSerializedSize(), block.memory().byteSize(), "exactly the serialized size");
            assertTrue(lease.memory().isReadOnly(), "an OWNED arena's readers map it read-only");
            Note note = CODEC.read(lease.memory());
            assertEquals(Note.KindCase.BLOB.getNumber(), CODEC.typeOf(note));
            ByteString data = note.getBlob();
            assertEquals(blob(64 << 10).getBlob(), data);
            ByteBuffer view = data.asReadOnlyByteBuffer();
            assertTrue(view.isDirect(), "an alias of the mapping, not a heap copy");
            MemorySegment seg = MemorySegment.ofBuffer(view);
            long start = lease.memory().address();
            assertTrue(seg.address() >= start && seg.address() + seg.byteSize() <= start + lease.memory().byteSize());
            byte before = data.byteAt(100);
            block.memory().set(ValueLayout.JAVA_BYTE, seg.address() - start + 100, (byte) (before + 1));
            assertEquals((byte) (before + 1), data.byteAt(100), "read in place: the writer's change shows");
        }
    }

    @Test
    void textJsonAndLimits() throws Exception {
        Note deep = Note.newBuilder().setNested(Note.newBuilder().setNested(Note.newBuilder().setText("h\u00e9llo"))).build();
        try (ShmArena arena = arena(ShmArena.Ownership.SHARED); ShmBlock block = ShmProtobuf.write(arena, deep)) {
            Note back = CODEC.read(block.memory());
            assertEquals(deep, back);
            assertEquals(Note.KindCase.NESTED.getNumber(), CODEC.typeOf(back));
            assertEquals("{\"nested\":{\"nested\":{\"text\":\"h\u00e9llo\"}}}", ProtobufJson.render(back, 4));
            // Note > Note > Note: three levels; a recursion limit of 1 stops at the second
            assertThrows(InvalidProtobufException.class,
                    () -> ShmProtobuf.parse(block.memory(), Note.parser(), new ParseLimits(Integer.MAX_VALUE, 1)));
            InvalidPayloadException big = assertThrows(InvalidPayloadException.class,
                    () -> CODEC.withLimits(new ParseLimits(4, 100)).read(block.memory()));
            assertInstanceOf(ProtobufPayloadException.class, big);
        }
    }

    @Test
    void bytesThatAreNotANoteAreATypedError() {
        // field 2 (blob, length-delimited) claiming 100 bytes where there are 2
        byte[] truncated = {0x12, 100, 1, 2};
        assertThrows(ProtobufPayloadException.class, () -> CODEC.read(MemorySegment.ofArray(truncated)));
        // wire type 7 does not exist
        assertThrows(ProtobufPayloadException.class, () -> CODEC.read(MemorySegment.ofArray(new byte[] {0x0f, 0})));
    }
}
