package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.flatbuffers.FlatBufferJson;
import dev.ipc4j.flatbuffers.FlatBufferReader;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import dev.ipc4j.samples.flatbuffers.demo.BodyMsg;
import dev.ipc4j.samples.flatbuffers.demo.GetFileReq;
import dev.ipc4j.samples.flatbuffers.demo.GetFileRsp;
import dev.ipc4j.samples.flatbuffers.demo.Part;

/**
 * A JSON rendering of a demo.fbs Body for logs and tools: the union shows as {@code {"GetFileRsp": {...}}}, part data
 * as its length (never the bytes), hashes in hex, and at most {@code maxParts} parts followed by a count of the rest.
 * Read it on a verified Body; it goes through {@link FlatBufferReader#read}, so bad data gives
 * {@link dev.ipc4j.flatbuffers.InvalidFlatBufferException}.
 */
public final class DemoJson {
    private DemoJson() {
    }

    public static String render(Body body, int maxParts) {
        return FlatBufferReader.read(() -> {
            StringBuilder out = new StringBuilder("{\"msg\":");
            switch (body.msgType()) {
                case BodyMsg.GetFileReq -> {
                    GetFileReq req = (GetFileReq) body.msg(new GetFileReq());
                    if (req == null) { // a type without a value: valid FlatBuffers, nothing to show
                        out.append("{\"GetFileReq\":null}");
                        break;
                    }
                    out.append("{\"GetFileReq\":{\"name\":");
                    string(out, req.name());
                    out.append(",\"size\":").append(Long.toUnsignedString(req.size())).append("}}");
                }
                case BodyMsg.GetFileRsp -> {
                    GetFileRsp rsp = (GetFileRsp) body.msg(new GetFileRsp());
                    if (rsp == null) {
                        out.append("{\"GetFileRsp\":null}");
                        break;
                    }
                    int n = rsp.partsLength();
                    out.append("{\"GetFileRsp\":{\"parts\":[");
                    Part part = new Part();
                    for (int i = 0; i < Math.min(n, maxParts); i++) {
                        rsp.parts(part, i);
                        out.append(i == 0 ? "" : ",").append("{\"size\":").append(Long.toUnsignedString(part.size()))
                                .append(",\"hash\":\"").append(String.format("%016x", part.hash()))
                                .append("\",\"data\":{\"length\":").append(part.dataLength()).append("}}");
                    }
                    out.append("]");
                    if (n > maxParts) {
                        out.append(",\"partsNotShown\":").append(n - maxParts);
                    }
                    out.append("}}");
                }
                default -> out.append("null");
            }
            return out.append('}').toString();
        });
    }

    private static void string(StringBuilder out, String s) {
        if (s == null) {
            out.append("null");
        } else {
            FlatBufferJson.quote(out, s);
        }
    }
}
