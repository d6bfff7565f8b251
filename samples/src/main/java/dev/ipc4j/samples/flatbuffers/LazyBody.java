package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.flatbuffers.FlatBufferVerifier;
import dev.ipc4j.flatbuffers.InvalidFlatBufferException;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A demo.fbs Body held after a shallow verification, so that a reader can have the message and its root at once and
 * pay for the deep walk (65,536 Part tables in a 1 GiB response: milliseconds) per part or when it chooses
 * ({@link DemoCodec#LAZY}).
 *
 * <p>What is guaranteed when:
 * <ul>
 *   <li>From {@link #open} on (it throws {@link InvalidFlatBufferException} otherwise): the header and file identifier,
 *       the Body table and its vtable, the union type (in range, and equal to the message header's type when read
 *       through a channel), the union's table; a GetFileReq completely (name and size); for a GetFileRsp the parts
 *       vector's header (its length times 4 fits the buffer). So {@link #type()}, {@link #partCount()} and
 *       {@link #getFileReq()} read only checked positions.</li>
 *   <li>{@link #part}/{@link #partData}: part {@code i}'s offset, table, vtable, size and hash fields and data vector
 *       are checked before it is returned; a bad part is an {@link InvalidFlatBufferException} for that part alone.</li>
 *   <li>After {@link #verifyAll()}: all of the buffer as {@link DemoVerifier} checks it; {@link #body()}'s generated
 *       accessors then read only checked positions.</li>
 *   <li>Always: generated accessors read through bounds-checked {@link ByteBuffer}s, so an unchecked offset (or
 *       memory its owner changed after the check) gives an exception, never a read outside the payload; run them in
 *       {@link FlatBufferReader#read} to get it as {@link InvalidFlatBufferException}. Hashes are not checked by any
 *       verification: {@link #checkParts()} does that.</li>
 * </ul>
 * Thread-safe: the positions are fixed at {@link #open}; each call passes its own {@link Part} or makes one.
 */
public final class LazyBody {
    private final MemorySegment buffer;
    private final FlatBufferVerifier.Limits limits;
    private final Body body;
    private final int type;
    private final GetFileReq req;   // when type is GetFileReq and present
    private final GetFileRsp rsp;   // when type is GetFileRsp and present
    private final int partsVector;  // position of the parts vector, or -1
    private final int parts;
    private volatile boolean verified;

    private LazyBody(MemorySegment buffer, FlatBufferVerifier.Limits limits, Body body, int type, GetFileReq req,
            GetFileRsp rsp, int partsVector, int parts) {
        this.buffer = buffer;
        this.limits = limits;
        this.body = body;
        this.type = type;
        this.req = req;
        this.rsp = rsp;
        this.partsVector = partsVector;
        this.parts = parts;
    }

    /** Shallow-verifies {@code buffer} (a whole Body) with default limits; see the class comment for what that checks. */
    public static LazyBody open(MemorySegment buffer) {
        return open(buffer, FlatBufferVerifier.Limits.DEFAULT);
    }

    public static LazyBody open(MemorySegment buffer, FlatBufferVerifier.Limits limits) {
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, limits);
        int table = v.root(DemoVerifier.FILE_IDENTIFIER);
        int type = v.unionType(table, 4, BodyMsg.names.length - 1);
        int msg = v.tableField(table, 6);
        int vector = -1;
        int parts = 0;
        if (msg >= 0) {
            switch (type) {
                case BodyMsg.GetFileReq -> DemoVerifier.getFileReq(v, msg);
                case BodyMsg.GetFileRsp -> {
                    int at = v.field(msg, 4, 4);
                    if (at >= 0) {
                        vector = v.offsetAt(at);
                        parts = v.vectorLength(vector, 4);
                    }
                }
                default -> throw new InvalidFlatBufferException("a union value without a type", msg);
            }
        }
        int partsVector = vector;
        int partCount = parts;
        return FlatBufferReader.read(() -> {
            Body body = Body.getRootAsBody(FlatBufferReader.view(buffer));
            GetFileReq req = msg >= 0 && type == BodyMsg.GetFileReq ? (GetFileReq) body.msg(new GetFileReq()) : null;
            GetFileRsp rsp = msg >= 0 && type == BodyMsg.GetFileRsp ? (GetFileRsp) body.msg(new GetFileRsp()) : null;
            return new LazyBody(buffer, limits, body, type, req, rsp, partsVector, partCount);
        });
    }

    /** The generated root. Before {@link #verifyAll()} only its type and union table are checked. */
    public Body body() {
        return body;
    }

    /** The union type ({@link BodyMsg}), checked. */
    public int type() {
        return type;
    }

    /** The buffer read, in place. */
    public MemorySegment buffer() {
        return buffer;
    }

    /** The request, completely checked; null when the message is not a GetFileReq (or has no value). */
    public GetFileReq getFileReq() {
        return req;
    }

    /** The response table (only its parts vector header checked); null when the message is not a GetFileRsp. */
    public GetFileRsp getFileRsp() {
        return rsp;
    }

    /** The number of parts of a GetFileRsp (0 for anything else); the vector's length is checked to fit. */
    public int partCount() {
        return parts;
    }

    /** Part {@code i}, checked first (table, fields, data vector), read into {@code into}. */
    public Part part(int i, Part into) {
        Objects.checkIndex(i, parts);
        Objects.requireNonNull(into, "into");
        FlatBufferVerifier v = new FlatBufferVerifier(buffer, limits);
        DemoVerifier.part(v, v.table(v.offsetAt(v.element(partsVector, i, 4))));
        return FlatBufferReader.read(() -> rsp.parts(into, i));
    }

    /** Part {@code i}'s data, checked, in place (a slice of the payload; empty when absent). */
    public MemorySegment partData(int i, Part into) {
        Part part = part(i, into);
        return FlatBufferReader.read(() -> {
            ByteBuffer data = part.dataAsByteBuffer();
            return data == null ? buffer.asSlice(0, 0) : MemorySegment.ofBuffer(data);
        });
    }

    /** Verifies the whole buffer once ({@link DemoVerifier}); later calls return at once. */
    public LazyBody verifyAll() {
        if (!verified) {
            DemoVerifier.verify(buffer, limits);
            verified = true;
        }
        return this;
    }

    /** Whether {@link #verifyAll()} has succeeded. */
    public boolean isFullyVerified() {
        return verified;
    }

    /**
     * Checks every part (as {@link #part}) and its data against its size and XXH64 hash, in place; returns the bytes
     * checked.
     *
     * @throws InvalidFlatBufferException at the first part that does not verify or match
     */
    public long checkParts() {
        Part part = new Part();
        long total = 0;
        for (int i = 0; i < parts; i++) {
            MemorySegment data = partData(i, part);
            long size = FlatBufferReader.read(part::size);
            long hash = FlatBufferReader.read(part::hash);
            if (data.byteSize() != size || PartHash.of(data) != hash) {
                throw new InvalidFlatBufferException("part " + i + ": size or hash does not match its data", -1);
            }
            total += data.byteSize();
        }
        return total;
    }

    /** JSON for logs ({@link DemoJson}, at most {@code maxParts} parts), reading through checked accessors. */
    public String toJson(int maxParts) {
        return DemoJson.render(body, maxParts);
    }

    @Override
    public String toString() {
        return "LazyBody[" + BodyMsg.name(type) + ", " + parts + " parts, " + buffer.byteSize() + " bytes"
                + (verified ? ", verified]" : "]");
    }
}
