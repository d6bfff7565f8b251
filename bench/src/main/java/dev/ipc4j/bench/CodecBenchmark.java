package dev.ipc4j.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.ipc4j.flatbuffers.FlatBufferMessage;
import dev.ipc4j.protobuf.ShmProtobuf;
import dev.ipc4j.samples.flatbuffers.DemoMessages;
import dev.ipc4j.samples.flatbuffers.DemoVerifier;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;
import dev.ipc4j.samples.protobuf.demo.Body;
import dev.ipc4j.shm.ShmArena;
import dev.ipc4j.shm.ShmBlock;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The codecs on demo messages in shared memory: "small" is a GetFileReq (a name and a size), "1MiB" a GetFileRsp of
 * 64 parts of 16 KiB. FlatBuffers: build in an arena block (for 1MiB: part data copied in from a source and XXH64-hashed
 * in place, as the demo will) and verify + read in place (every field, not the data bytes). Protobuf: serialize a
 * prepared message into a block and parse it aliased (bytes fields stay in SHM) + read every field.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBenchmark {
    @Param({"small", "1MiB"})
    public String message;

    private static final int PARTS = 64;
    private ShmArena arena;
    private MemorySegment source;
    private FlatBufferMessage fbBuilt;
    private Body pbMessage;
    private ShmBlock pbBuilt;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = ShmArena.create(ShmArena.Config.of("bench", "codec").withSegmentSize(4 << 20)
                .withPrefault(true).withLeakDetection(ShmArena.LeakDetection.OFF));
        byte[] bytes = new byte[DemoMessages.PART_SIZE];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31);
        }
        source = MemorySegment.ofArray(bytes);
        fbBuilt = fbBuild();
        ByteString data = UnsafeByteOperations.unsafeWrap(bytes);
        pbMessage = small()
                ? Body.newBuilder().setGetFileReq(dev.ipc4j.samples.protobuf.demo.GetFileReq.newBuilder().setName("a.bin").setSize(1 << 30)).build()
                : Body.newBuilder().setGetFileRsp(rsp(data)).build();
        pbBuilt = ShmProtobuf.write(arena, pbMessage);
    }

    private static dev.ipc4j.samples.protobuf.demo.GetFileRsp rsp(ByteString data) {
        var rsp = dev.ipc4j.samples.protobuf.demo.GetFileRsp.newBuilder();
        for (int i = 0; i < PARTS; i++) {
            rsp.addParts(dev.ipc4j.samples.protobuf.demo.Part.newBuilder().setSize(data.size()).setHash(i).setData(data));
        }
        return rsp.build();
    }

    private boolean small() {
        return message.equals("small");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        fbBuilt.close();
        pbBuilt.close();
        arena.close();
    }

    private FlatBufferMessage fbBuild() {
        return small()
                ? DemoMessages.getFileReq(arena, "a.bin", 1 << 30)
                : DemoMessages.getFileRsp(arena, PARTS, DemoMessages.PART_SIZE, (i, part) -> part.copyFrom(source));
    }

    @Benchmark
    public int flatBuffersBuildInShm() {
        try (FlatBufferMessage m = fbBuild()) {
            return m.length();
        }
    }

    @Benchmark
    public long flatBuffersVerifyAndRead() {
        MemorySegment memory = fbBuilt.memory();
        DemoVerifier.verify(memory);
        dev.ipc4j.samples.flatbuffers.demo.Body body = dev.ipc4j.samples.flatbuffers.demo.Body.getRootAsBody(
                dev.ipc4j.flatbuffers.FlatBufferReader.view(memory));
        if (body.msgType() == BodyMsg.GetFileReq) {
            GetFileReq req = (GetFileReq) body.msg(new GetFileReq());
            return req.size() + req.name().length();
        }
        GetFileRsp rsp = (GetFileRsp) body.msg(new GetFileRsp());
        Part part = new Part();
        long sum = 0;
        for (int i = 0, n = rsp.partsLength(); i < n; i++) {
            rsp.parts(part, i);
            sum += part.size() + part.hash() + part.dataLength();
        }
        return sum;
    }

    @Benchmark
    public long protobufWriteInShm() {
        try (ShmBlock block = ShmProtobuf.write(arena, pbMessage)) {
            return block.memory().byteSize();
        }
    }

    @Benchmark
    public long protobufParseAliased() {
        Body body = ShmProtobuf.parse(pbBuilt.memory(), Body.parser());
        if (body.hasGetFileReq()) {
            return body.getGetFileReq().getSize() + body.getGetFileReq().getName().length();
        }
        long sum = 0;
        for (dev.ipc4j.samples.protobuf.demo.Part part : body.getGetFileRsp().getPartsList()) {
            sum += part.getSize() + part.getHash() + part.getData().size();
        }
        return sum;
    }
}
