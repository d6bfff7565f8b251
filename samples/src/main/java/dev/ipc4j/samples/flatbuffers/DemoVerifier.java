package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import java.lang.foreign.MemorySegment;

/**
 * Verifies a buffer against demo.fbs ({@code Body { msg: BodyMsg }}, {@code BodyMsg = GetFileReq | GetFileRsp}),
 * field by field as the generated accessors will read it. Vtable offsets are the generated code's: field n is at 4 + 2n.
 * Costs a walk of the tables (65,536 parts of a 1 GiB response), not of the bytes.
 */
public final class DemoVerifier {
    /** The file identifier demo.fbs declares. */
    public static final String FILE_IDENTIFIER = "I4FD";

    private DemoVerifier() {
    }

    /** Verifies {@code buffer} as a Body with default limits; throws {@link InvalidFlatBufferException} if it is not one. */
    public static void verify(MemorySegment buffer) {
        verify(buffer, FlatBufferVerifier.Limits.DEFAULT);
    }

    public static void verify(MemorySegment buffer, FlatBufferVerifier.Limits limits) {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, limits);
        int body = v.root(FILE_IDENTIFIER);
        v.enter();
        int type = v.unionType(body, 4, BodyMsg.names.length - 1);
        int msg = v.tableField(body, 6);
        if (msg >= 0) {
            v.enter();
            switch (type) {
                case BodyMsg.GetFileReq -> getFileReq(v, msg);
                case BodyMsg.GetFileRsp -> getFileRsp(v, msg);
                default -> throw new InvalidFlatBufferException("a union value without a type", msg);
            }
            v.exit();
        }
        v.exit();
    }

    static void getFileReq(FlatBufferVerifier v, int table) {
        v.stringField(table, 4);   // name
        v.field(table, 6, 8);      // size
    }

    private static void getFileRsp(FlatBufferVerifier v, int table) {
        int at = v.field(table, 4, 4); // parts
        if (at < 0) {
            return;
        }
        int vector = v.offsetAt(at);
        int parts = v.vectorLength(vector, 4);
        v.enter();
        for (int i = 0; i < parts; i++) {
            part(v, v.table(v.offsetAt(v.element(vector, i, 4))));
        }
        v.exit();
    }

    static void part(FlatBufferVerifier v, int table) {
        v.field(table, 4, 8);          // size
        v.field(table, 6, 8);          // hash
        v.vectorField(table, 8, 1);    // data
    }
}
