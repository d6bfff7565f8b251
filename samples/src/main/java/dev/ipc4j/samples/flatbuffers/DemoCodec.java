package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.flatbuffers.FlatBuffersCodec;
import dev.ipc4j.samples.flatbuffers.demo.Body;

/**
 * Ready codecs for demo.fbs' {@code Body}: routing type = {@code body.msgType()} (a {@link
 * dev.ipc4j.samples.flatbuffers.demo.BodyMsg}), JSON by {@link DemoJson}.
 */
public final class DemoCodec {
    /** Parts shown in a JSON rendering before "partsNotShown". */
    public static final int JSON_PARTS = 8;

    /** Verifies the whole Body ({@link DemoVerifier}) before {@code root()} returns: every offset checked. */
    public static final FlatBuffersCodec<Body> VERIFIED = FlatBuffersCodec
            .of(DemoVerifier::verify, Body::getRootAsBody, Body::msgType)
            .withJson(body -> DemoJson.render(body, JSON_PARTS));

    /**
     * Checks the header, root, union and the parts vector's header before {@code root()} returns, each part on
     * access, all of it on {@link LazyBody#verifyAll()}: see {@link LazyBody} for what holds when.
     */
    public static final FlatBuffersCodec<LazyBody> LAZY = FlatBuffersCodec
            .reading(LazyBody::open, LazyBody::type)
            .withJson(body -> body.toJson(JSON_PARTS));

    private DemoCodec() {
    }
}
