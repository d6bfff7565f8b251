package dev.ipc4j.grpc;

import io.grpc.Status;

/** gRPC's status and ipc4j's: the same codes (ipc4j took gRPC's), a description each way, the cause kept locally. */
final class Statuses {
    private Statuses() {}

    static Status toGrpc(dev.ipc4j.message.Status s) {
        Status grpc = Status.fromCodeValue(s.code());
        return s.description().isEmpty() ? grpc : grpc.withDescription(s.description());
    }

    static dev.ipc4j.message.Status toIpc4j(Status s) {
        String d = s.getDescription();
        return new dev.ipc4j.message.Status(s.getCode().value(), d == null ? "" : d);
    }
}
