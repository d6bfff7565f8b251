package dev.ipc4j.samples.protobuf;

import dev.ipc4j.protobuf.ProtobufCodec;
import dev.ipc4j.samples.protobuf.demo.Body;

/** A ready codec for demo.proto's {@code Body}: the routing type is the {@code msg} oneof's case number. */
public final class DemoCodec {
    /** {@code Body} parsed in place, typed by {@code Body.MsgCase} ({@code MSG_NOT_SET} is 0). */
    public static final ProtobufCodec<Body> BODY = ProtobufCodec.of(Body.parser(), body -> body.getMsgCase().getNumber());

    private DemoCodec() {
    }
}
