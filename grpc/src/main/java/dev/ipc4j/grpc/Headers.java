package dev.ipc4j.grpc;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;

/**
 * gRPC metadata to ipc4j call metadata and back. Keys are the same alphabet on both sides (lowercase letters, digits,
 * {@code -_.}); values of {@code -bin} keys are bytes, the others ASCII text. An entry a peer sent that gRPC would not
 * accept is dropped, never thrown at the user's code.
 */
final class Headers {
    private Headers() {}

    static dev.ipc4j.message.Metadata toIpc4j(Metadata grpc) {
        dev.ipc4j.message.Metadata out = dev.ipc4j.message.Metadata.empty();
        for (String key : grpc.keys()) {
            if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] v : grpc.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER))) {
                    out = out.with(key, v);
                }
            } else {
                for (String v : grpc.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER))) {
                    out = out.with(key, v.getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return out;
    }

    static Metadata toGrpc(dev.ipc4j.message.Metadata ipc4j) {
        Metadata out = new Metadata();
        for (dev.ipc4j.message.Metadata.Entry e : ipc4j.entries()) {
            try {
                if (e.key().endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    out.put(Metadata.Key.of(e.key(), Metadata.BINARY_BYTE_MARSHALLER), e.value());
                } else {
                    out.put(Metadata.Key.of(e.key(), Metadata.ASCII_STRING_MARSHALLER),
                            new String(e.value(), StandardCharsets.US_ASCII));
                }
            } catch (IllegalArgumentException dropped) {
                // a key gRPC reserves or refuses: not the user's to see
            }
        }
        return out;
    }
}
