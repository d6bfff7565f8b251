package dev.ipc4j.message;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A codec that checks, as schema codecs do: a payload is a u32 magic and its i32 type, then anything. Stands in for
 * the FlatBuffers/Protobuf codecs in tests of the SPI.
 */
final class Tagged implements Codec<MemorySegment> {
    static final Tagged INSTANCE = new Tagged();
    static final int MAGIC = 0x7A66_0001;

    static void write(MemorySegment to, int type) {
        to.set(ValueLayout.JAVA_INT_UNALIGNED, 0, MAGIC);
        to.set(ValueLayout.JAVA_INT_UNALIGNED, 4, type);
    }

    @Override
    public MemorySegment read(MemorySegment payload) throws InvalidPayloadException {
        if (payload.byteSize() < 8 || payload.get(ValueLayout.JAVA_INT_UNALIGNED, 0) != MAGIC) {
            throw new InvalidPayloadException("not a tagged payload (" + payload.byteSize() + " bytes)");
        }
        return payload;
    }

    @Override
    public int typeOf(MemorySegment root) {
        return root.get(ValueLayout.JAVA_INT_UNALIGNED, 4);
    }
}
