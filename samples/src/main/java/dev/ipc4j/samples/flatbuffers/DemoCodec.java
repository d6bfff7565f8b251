package dev.ipc4j.samples.flatbuffers;

import dev.ipc4j.flatbuffers.FlatBuffersCodec;
import dev.ipc4j.samples.flatbuffers.demo.Body;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Ready codecs for demo.fbs' {@code Body}: routing type = {@code body.msgType()} (a {@link
 * dev.ipc4j.samples.flatbuffers.demo.BodyMsg}), JSON by {@link DemoJson}, and the binary schema (demo.bfbs, written by
 * tools/regenerate.sh beside the generated classes) told to the message tap's observers.
 */
public final class DemoCodec {
    /** Parts shown in a JSON rendering before "partsNotShown". */
    public static final int JSON_PARTS = 8;

    /** demo.fbs as a binary schema ({@code flatc -b --schema}): what {@code ipc4j inspect} renders payloads by. */
    private static final byte[] SCHEMA = schema();

    /** Verifies the whole Body ({@link DemoVerifier}) before {@code root()} returns: every offset checked. */
    public static final FlatBuffersCodec<Body> VERIFIED = FlatBuffersCodec
            .of(DemoVerifier::verify, Body::getRootAsBody, Body::msgType)
            .withJson(body -> DemoJson.render(body, JSON_PARTS))
            .withSchema(SCHEMA, "");

    /**
     * Checks the header, root, union and the parts vector's header before {@code root()} returns, each part on
     * access, all of it on {@link LazyBody#verifyAll()}: see {@link LazyBody} for what holds when.
     */
    public static final FlatBuffersCodec<LazyBody> LAZY = FlatBuffersCodec
            .reading(LazyBody::open, LazyBody::type)
            .withJson(body -> body.toJson(JSON_PARTS))
            .withSchema(SCHEMA, "");

    private DemoCodec() {
    }

    private static byte[] schema() {
        try (InputStream in = Body.class.getResourceAsStream("demo.bfbs")) {
            if (in == null) {
                throw new IllegalStateException("demo.bfbs is missing beside " + Body.class.getName() + ": run tools/regenerate.sh");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
